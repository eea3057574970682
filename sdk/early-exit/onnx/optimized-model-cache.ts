/**
 * An on-disk cache of onnxruntime's optimized models (SessionOptions.optimizedModelFilePath).
 * Creating a session optimizes its graph (constant folding, fusions, layout changes) every
 * time; a session created from the optimized file skips that, and for a model built in memory
 * (a pack exit's merged graph) a hit also skips building it.
 *
 * An optimized file is only valid where it was made (onnxruntime warns that level-'all' files
 * may hold hardware-specific kernels), so the key is the model's content, the onnxruntime
 * version, the device, the CPU and the options that change the optimized graph. Files are
 * written under a temporary name and renamed, so concurrent processes never read a half file;
 * a file that fails to load is deleted and the model is created from its source instead.
 *
 * Location: $EXITGRAPH_CACHE_DIR/ort-optimized, else <os temp dir>/exitgraph-cache/ort-optimized.
 * EXITGRAPH_ORT_CACHE=0 turns the cache off.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { arch, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { exitgraphCacheDir } from '../../kernel/host/cache-dir.js';

/** The default cache folder (see the module comment), or undefined when the cache is off. */
export function defaultOptimizedModelDir(): string | undefined {
  if (process.env.EXITGRAPH_ORT_CACHE === '0') return undefined;
  return join(exitgraphCacheDir(), 'ort-optimized');
}

/** SHA-256 of a file's bytes. */
export async function fileContentHash(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(resolve(path))).digest('hex');
}

/** The cache file name for a model's content under given session options. */
export function optimizedModelName(contentHash: string, options: ort.InferenceSession.SessionOptions): string {
  const relevant = {
    ort: ort.env.versions.common,
    arch: arch(),
    cpu: cpus()[0]?.model ?? 'unknown',
    providers: options.executionProviders,
    level: options.graphOptimizationLevel,
    free: options.freeDimensionOverrides ?? {},
  };
  const digest = createHash('sha256').update(contentHash).update(JSON.stringify(relevant)).digest('hex');
  return `${digest.slice(0, 40)}.onnx`;
}

/**
 * Creates a session through the cache: from the optimized file when there is one, else from
 * `source()` (saving its optimized graph for next time). Any failure of the cache itself (a
 * folder it cannot write, a provider that cannot save its graph, a corrupt file) falls back to
 * a plain creation: the cache only ever saves time. `saved` says whether the optimized file is
 * (now) on disk. `createSession` makes the session (default: on this thread); a session worker
 * passes its own, the file handling stays here.
 */
export async function createWithOptimizedCache<S = ort.InferenceSession>(
  dir: string,
  contentHash: string,
  source: () => Promise<string | Uint8Array>,
  options: ort.InferenceSession.SessionOptions,
  createSession: (model: string | Uint8Array, options: ort.InferenceSession.SessionOptions) => Promise<S> = create as never,
): Promise<{ session: S; hit: boolean; saved: boolean }> {
  const file = join(dir, optimizedModelName(contentHash, options));
  const hit = await stat(file).then((s) => s.isFile() && s.size > 0, () => false);
  if (hit) {
    try {
      // Already optimized for these options: optimizing again would only cost time.
      return { session: await createSession(file, { ...options, graphOptimizationLevel: 'disabled' }), hit: true, saved: true };
    } catch {
      await discard(file);
    }
  }
  const model = await source();
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    const session = await createSession(model, { ...options, optimizedModelFilePath: temp });
    await rename(temp, file).catch(() => discard(temp));
    return { session, hit: false, saved: true };
  } catch {
    await discard(temp);
    return { session: await createSession(model, options), hit: false, saved: false };
  }
}

function create(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

/** Removes a file if it is there; a cache that cannot even delete just leaves it. */
async function discard(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}
