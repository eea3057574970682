/**
 * The LPIPS weights folder: where it is, and reading its `.f32.bin` + `.json` files.
 *
 * Layout (see docs/metrics.md): `lpips_<net>_v0.1.f32.bin` = little-endian float32 tensors
 * concatenated in C order; `lpips_<net>_v0.1.f32.json` = manifest `{ tensors: [{ name, shape,
 * offset, nbytes }] }`. The folder is only ever read: derived files go under the OS temp dir.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../kernel/host/package-root.js';

export const LPIPS_NETS = ['alex', 'squeeze'] as const;
export type LpipsNet = (typeof LPIPS_NETS)[number];

/** Environment variable naming the weights folder (the lpips folder, or a folder holding `lpips/`). */
export const WEIGHTS_ENV = 'EXITGRAPH_WEIGHTS';

/** How users make the files when they have no copy. */
export const LPIPS_WEIGHTS_HOWTO =
  'The package ships them in models/lpips (restore that folder from the repository if it is gone). ' +
  'To make the files yourself, where `pip install lpips torchvision` works run ' +
  '`python3 -m exitgraph_training.export_lpips_weights --out <folder>` ' +
  '(from models/training, script models/training/exitgraph_training/export_lpips_weights.py), ' +
  `then pass that folder with --weights <folder> or set ${WEIGHTS_ENV}=<folder>. See docs/metrics.md.`;

export class LpipsWeightsError extends Error {
  override readonly name = 'LpipsWeightsError';
}

/** The weights shipped with the package: `models/lpips` (see its README for provenance and licences). */
export function defaultLpipsWeightsDir(): string {
  return join(packageRoot(), 'models', 'lpips');
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hasLpipsFiles(dir: string): boolean {
  return LPIPS_NETS.some((net) => existsSync(join(dir, `lpips_${net}_v0.1.f32.json`)));
}

/** One place looked at while resolving the folder, for error messages. */
export interface WeightsCandidate {
  readonly source: string;
  readonly path: string;
}

/**
 * Candidate folders in priority order: the explicit option/flag, then `$EXITGRAPH_WEIGHTS`
 * (the folder itself, or its `lpips/` subfolder when the files sit there), then the default.
 * The first given source wins: an explicit folder that does not exist is an error, not a
 * fall-through, so a typo in a flag is never silently replaced by another copy.
 */
export function lpipsWeightsCandidates(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  defaultDir: string = defaultLpipsWeightsDir(),
): WeightsCandidate[] {
  if (explicit) return [{ source: 'the weightsDir option / --weights flag', path: resolve(explicit) }];
  const fromEnv = env[WEIGHTS_ENV];
  if (fromEnv) {
    const p = resolve(fromEnv);
    const sub = join(p, 'lpips');
    if (!hasLpipsFiles(p) && isDir(sub)) return [{ source: `$${WEIGHTS_ENV} (its lpips/ subfolder)`, path: sub }];
    return [{ source: `$${WEIGHTS_ENV}`, path: p }];
  }
  return [{ source: 'the default (the weights shipped in models/lpips)', path: defaultDir }];
}

/** Resolves the weights folder; throws naming where it looked and how to make the files. */
export function resolveLpipsWeightsDir(explicit?: string, env: NodeJS.ProcessEnv = process.env, defaultDir?: string): string {
  const candidates = lpipsWeightsCandidates(explicit, env, defaultDir);
  const found = candidates.find((c) => isDir(c.path));
  if (found) return found.path;
  const looked = candidates.map((c) => `${c.path} (from ${c.source})`).join('; ');
  const unset = explicit ? '' : env[WEIGHTS_ENV] ? '' : ` (${WEIGHTS_ENV} is not set)`;
  throw new LpipsWeightsError(
    `LPIPS weights folder not found: looked at ${looked}${unset}. ` +
      `The folder is taken from, in this order: the --weights flag / weightsDir option, $${WEIGHTS_ENV}, ` +
      `the shipped models/lpips (${defaultDir ?? defaultLpipsWeightsDir()}). ${LPIPS_WEIGHTS_HOWTO}`,
  );
}

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly nbytes: number;
}

/** A net's weights, read from the folder. */
export interface LpipsWeights {
  readonly net: LpipsNet;
  readonly dir: string;
  readonly tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  /** sha256 of the manifest and the blob: identifies the weights in cache keys. */
  readonly sha256: string;
}

export function lpipsWeightFiles(dir: string, net: LpipsNet): { manifest: string; blob: string } {
  return { manifest: join(dir, `lpips_${net}_v0.1.f32.json`), blob: join(dir, `lpips_${net}_v0.1.f32.bin`) };
}

function checkNet(net: string): asserts net is LpipsNet {
  if (!(LPIPS_NETS as readonly string[]).includes(net)) {
    throw new Error(`unknown LPIPS net "${net}", expected one of ${LPIPS_NETS.join(', ')}`);
  }
}

/** Reads and checks `lpips_<net>_v0.1.f32.{json,bin}` from a resolved folder. */
export async function readLpipsWeights(net: LpipsNet, weightsDir?: string): Promise<LpipsWeights> {
  checkNet(net);
  const dir = resolveLpipsWeightsDir(weightsDir);
  const files = lpipsWeightFiles(dir, net);
  const missing = [files.manifest, files.blob].filter((f) => !existsSync(f));
  if (missing.length) {
    throw new LpipsWeightsError(
      `LPIPS ${net} weights incomplete in ${dir}: missing ${missing.join(' and ')}. ${LPIPS_WEIGHTS_HOWTO}`,
    );
  }
  const [manifestText, blob] = await Promise.all([readFile(files.manifest, 'utf8'), readFile(files.blob)]);
  let manifest: { tensors?: unknown };
  try {
    manifest = JSON.parse(manifestText) as { tensors?: unknown };
  } catch (error) {
    throw new LpipsWeightsError(`${files.manifest}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(manifest.tensors)) throw new LpipsWeightsError(`${files.manifest}: no "tensors" array`);
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const raw of manifest.tensors as TensorEntry[]) {
    const { name, shape, offset, nbytes } = raw;
    const where = `${files.manifest}: tensor ${JSON.stringify(name)}`;
    if (typeof name !== 'string' || !Array.isArray(shape) || !Number.isInteger(offset) || !Number.isInteger(nbytes)) {
      throw new LpipsWeightsError(`${where}: needs name, shape, offset and nbytes`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (count * 4 !== nbytes) throw new LpipsWeightsError(`${where}: shape [${shape}] is ${count * 4} bytes, manifest says ${nbytes}`);
    if (offset < 0 || offset + nbytes > blob.length) {
      throw new LpipsWeightsError(`${where}: bytes ${offset}..${offset + nbytes} lie outside ${files.blob} (${blob.length} bytes)`);
    }
    // Copy through a DataView: the blob is little-endian whatever the host, and may be unaligned.
    const data = new Float32Array(count);
    const view = new DataView(blob.buffer, blob.byteOffset + offset, nbytes);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    tensors.set(name, { shape: [...shape], data });
  }
  const sha256 = createHash('sha256').update(manifestText).update(blob).digest('hex');
  return { net, dir, tensors, sha256 };
}

/** A tensor by name, with its shape checked; errors name the file and the tensor. */
export function weightTensor(weights: LpipsWeights, name: string, shape?: readonly number[]): { shape: readonly number[]; data: Float32Array } {
  const t = weights.tensors.get(name);
  const file = lpipsWeightFiles(weights.dir, weights.net).manifest;
  if (!t) throw new LpipsWeightsError(`${file}: LPIPS ${weights.net} needs tensor "${name}", which the manifest lacks`);
  if (shape && (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i]))) {
    throw new LpipsWeightsError(`${file}: tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
  }
  return t;
}

/**
 * A cheap identity of a net's weight files (folder, sizes, modification times), for cache keys
 * of node outputs; `undefined` when the files are missing.
 */
export function lpipsWeightsFingerprint(net: LpipsNet, weightsDir?: string): string | undefined {
  try {
    const dir = resolveLpipsWeightsDir(weightsDir);
    const files = lpipsWeightFiles(dir, net);
    const parts = [files.manifest, files.blob].map((f) => {
      const info = statSync(f);
      return `${info.size}:${info.mtimeMs}`;
    });
    return `${dir}|${parts.join('|')}`;
  } catch {
    return undefined;
  }
}
