import { readFile } from 'node:fs/promises';
import { createImage, type Image, type LabelMap } from '../../kernel/image/image.js';
import { packInputs } from '../packs/manifest.js';
import type { LoadedPack } from '../packs/load-pack.js';
import type { PackInput } from '../packs/pack-io.js';
import type { PackInputs } from '../packs/pack-inputs.js';

/** One input of a split: a label map for a label-map pack, the named inputs of a several-input pack. */
export type SplitInput = PackInput | PackInputs;

export interface PackSplit {
  readonly name: string;
  /** What each run takes, in split order. */
  readonly inputs: readonly SplitInput[];
  /** The same inputs as label maps, for a label-map pack (the novelty score reads them); else empty. */
  readonly labels: readonly LabelMap[];
  /** Ground-truth images, when the pack ships them. */
  readonly images?: readonly Image[];
  /** File names, when the inputs came from a folder. */
  readonly files?: readonly string[];
}

/**
 * A held-out split shipped with a pack. Format 1: `labels` (uint8, count x H x W class ids).
 * Format 2: one file per pack input (`inputs.<name>`, uint8 count x H x W x 3 RGB). Both with
 * optional `images` (uint8, count x H x W x 3 RGB ground truth).
 */
export async function readPackSplit(pack: LoadedPack, name = 'test', limit?: number): Promise<PackSplit> {
  const { manifest } = pack;
  const spec = manifest.splits?.[name];
  if (!spec) throw new Error(`pack ${manifest.name} ships no "${name}" split (manifest.json: splits.${name}); splits: ${Object.keys(manifest.splits ?? {}).join(', ') || 'none'}`);
  const { height: H, width: W } = manifest.input;
  const count = Math.min(spec.count, limit ?? spec.count);
  const images = spec.images ? rgbImages(await readExact(pack.path(spec.images), spec.count * H * W * 3, `splits.${name}.images`), count, W, H) : undefined;
  const withImages = <T extends object>(split: T): T & { images?: readonly Image[] } => (images ? { ...split, images } : split);
  if (spec.labels) {
    const classes = manifest.input.classes ?? [];
    const labelBytes = await readExact(pack.path(spec.labels), spec.count * H * W, `splits.${name}.labels`);
    const labels = Array.from({ length: count }, (_, i) => ({ width: W, height: H, ids: labelBytes.subarray(i * H * W, (i + 1) * H * W), classes }));
    return withImages({ name, inputs: labels, labels });
  }
  const files = spec.inputs ?? {};
  const perInput: [string, Image[]][] = [];
  for (const input of packInputs(manifest)) {
    const file = files[input.name];
    if (!file) throw new Error(`pack ${manifest.name}: split "${name}" has no file for input "${input.name}" (manifest.json: splits.${name}.inputs.${input.name})`);
    if (input.kind !== 'image') throw new Error(`pack ${manifest.name}: split "${name}" stores input "${input.name}" as RGB, but the input is a ${input.kind}`);
    const bytes = await readExact(pack.path(file), spec.count * input.height * input.width * 3, `splits.${name}.inputs.${input.name}`);
    perInput.push([input.name, rgbImages(bytes, count, input.width, input.height)]);
  }
  const inputs = Array.from({ length: count }, (_, i) => Object.fromEntries(perInput.map(([inputName, list]) => [inputName, list[i]!])) as PackInputs);
  return withImages({ name, inputs, labels: [] });
}

function rgbImages(bytes: Uint8Array, count: number, W: number, H: number): Image[] {
  return Array.from({ length: count }, (_, i) => {
    const data = new Float32Array(H * W * 3);
    const offset = i * H * W * 3;
    for (let p = 0; p < data.length; p++) data[p] = bytes[offset + p]! / 255;
    return createImage(W, H, 3, data);
  });
}

async function readExact(path: string, bytes: number, field: string): Promise<Uint8Array> {
  const data = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${path} (manifest.json: ${field}): ${error.code === 'ENOENT' ? 'file not found' : error.message}`);
  });
  if (data.length !== bytes) throw new Error(`${path} (manifest.json: ${field}) has ${data.length} bytes, expected ${bytes}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
