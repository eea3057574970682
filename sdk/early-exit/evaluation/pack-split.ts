import { readFile } from 'node:fs/promises';
import { createImage, type Image, type LabelMap } from '../../kernel/image/image.js';
import type { LoadedPack } from '../packs/load-pack.js';

export interface PackSplit {
  readonly name: string;
  readonly labels: readonly LabelMap[];
  /** Ground-truth images, when the pack ships them. */
  readonly images?: readonly Image[];
  /** File names, when the inputs came from a folder. */
  readonly files?: readonly string[];
}

/**
 * A held-out split shipped with a pack: `labels` (uint8, count x H x W class ids) and optional
 * `images` (uint8, count x H x W x 3 RGB ground truth).
 */
export async function readPackSplit(pack: LoadedPack, name = 'test', limit?: number): Promise<PackSplit> {
  const spec = pack.manifest.splits?.[name];
  if (!spec) throw new Error(`pack ${pack.manifest.name} ships no "${name}" split (manifest.json: splits.${name}); splits: ${Object.keys(pack.manifest.splits ?? {}).join(', ') || 'none'}`);
  const { height: H, width: W } = pack.manifest.input;
  const count = Math.min(spec.count, limit ?? spec.count);
  const classes = pack.manifest.input.classes ?? [];
  // Evaluating format 2 splits (one file per input) is not wired into evaluation yet.
  if (!spec.labels) throw new Error(`pack ${pack.manifest.name}: split "${name}" has one file per input (splits.${name}.inputs); evaluation reads label-map splits (splits.${name}.labels) only so far`);
  const labelBytes = await readExact(pack.path(spec.labels), spec.count * H * W, `splits.${name}.labels`);
  const labels = Array.from({ length: count }, (_, i) => ({ width: W, height: H, ids: labelBytes.subarray(i * H * W, (i + 1) * H * W), classes }));
  if (!spec.images) return { name, labels };
  const imageBytes = await readExact(pack.path(spec.images), spec.count * H * W * 3, `splits.${name}.images`);
  const images = Array.from({ length: count }, (_, i) => {
    const data = new Float32Array(H * W * 3);
    const offset = i * H * W * 3;
    for (let p = 0; p < data.length; p++) data[p] = imageBytes[offset + p]! / 255;
    return createImage(W, H, 3, data);
  });
  return { name, labels, images };
}

async function readExact(path: string, bytes: number, field: string): Promise<Uint8Array> {
  const data = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${path} (manifest.json: ${field}): ${error.code === 'ENOENT' ? 'file not found' : error.message}`);
  });
  if (data.length !== bytes) throw new Error(`${path} (manifest.json: ${field}) has ${data.length} bytes, expected ${bytes}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
