import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * exitgraph's cache folder, for what a later process can reuse instead of recomputing
 * (optimized models, verified packs, novelty references, installed plugins):
 * $EXITGRAPH_CACHE_DIR, else <os temp dir>/exitgraph-cache.
 */
export function exitgraphCacheDir(): string {
  return process.env.EXITGRAPH_CACHE_DIR ?? join(tmpdir(), 'exitgraph-cache');
}

/**
 * Writes a cache file under a temporary name and renames it, so a concurrent reader never sees
 * half a file. A cache that cannot be written only costs the saving: errors are swallowed.
 */
export async function writeCacheFile(file: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}
