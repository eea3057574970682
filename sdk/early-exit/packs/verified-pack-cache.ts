/**
 * An on-disk record of packs that passed `loadPack`'s checks, so that a process opening a pack
 * it has already checked skips decoding every ONNX file (shape inference, MAC counts, the
 * reference model) and the schema checks: most of a CLI run's pack load.
 *
 * A record holds what loadPack returns that is plain data (manifest, costs, calibration, tensor
 * shapes, warnings) and the SHA-256 of every ONNX file (the merged-model ids hash them). Its key
 * is the pack folder and the identity of every file under it (relative path, size, modification
 * time: the identity the session cache gives model files), with this record format and exitgraph's
 * version: a changed, added or removed file, or another exitgraph, checks the pack again.
 *
 * Records are written under a temporary name and renamed, so concurrent processes never read
 * half a record; an unreadable record is ignored (and overwritten by the next load).
 *
 * Location: $EXITGRAPH_CACHE_DIR/verified-packs, else <os temp dir>/exitgraph-cache/verified-packs.
 * EXITGRAPH_PACK_CACHE=0 turns it off.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { exitgraphCacheDir, writeCacheFile } from '../../kernel/host/cache-dir.js';
import type { CalibrationData, PackManifest } from './manifest.js';
import type { PackCosts } from './pack-costs.js';
import type { PackProblem } from './pack-problems.js';

/** Bump when a record's content or the checks behind it change meaning (2: GridSample is sized, so packs that warp count their MACs after the warp). */
const RECORD_FORMAT = 2;

/** What a record keeps of a loaded pack. */
export interface VerifiedPack {
  readonly manifest: PackManifest;
  readonly costs: PackCosts;
  readonly calibration?: CalibrationData;
  readonly referenceMacs?: number;
  readonly tensorShapes: readonly (readonly [string, readonly number[]])[];
  /** Warnings of the check (a verified pack has no errors). */
  readonly problems: readonly PackProblem[];
  /** SHA-256 of each ONNX file, by file name relative to the pack folder. */
  readonly fileHashes: Readonly<Record<string, string>>;
}

/** The default record folder (see the module comment), or undefined when the cache is off. */
export function defaultVerifiedPackDir(): string | undefined {
  if (process.env.EXITGRAPH_PACK_CACHE === '0') return undefined;
  return join(exitgraphCacheDir(), 'verified-packs');
}

/** The record's file name for a pack folder as its files are now, or undefined when the folder cannot be listed. */
export async function verifiedPackKey(dir: string, version: string): Promise<string | undefined> {
  const root = resolve(dir);
  const files = await listFiles(root).catch(() => undefined);
  if (!files) return undefined;
  const hash = createHash('sha256').update(JSON.stringify({ format: RECORD_FORMAT, exitgraph: version, dir: root }));
  for (const file of files) hash.update(`\n${relative(root, file.path)}:${file.size}:${file.mtimeMs}`);
  return `${hash.digest('hex').slice(0, 40)}.json`;
}

export async function readVerifiedPack(cacheDir: string, key: string): Promise<VerifiedPack | undefined> {
  try {
    const record = JSON.parse(await readFile(join(cacheDir, key), 'utf8')) as VerifiedPack;
    return record && typeof record === 'object' && record.manifest && record.costs ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Saves a record; a cache that cannot be written only costs the next process the checks. */
export async function writeVerifiedPack(cacheDir: string, key: string, record: VerifiedPack): Promise<void> {
  await writeCacheFile(join(cacheDir, key), JSON.stringify(record));
}

/** Every file under `dir` (any depth), sorted by path, with its size and modification time. */
async function listFiles(dir: string): Promise<{ path: string; size: number; mtimeMs: number }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  // Links too, by what they point at: a pack may link its ONNX files from elsewhere.
  const paths = entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name)).sort();
  const files = await Promise.all(paths.map(async (path) => {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  }));
  return files.filter((f) => f !== undefined);
}
