/**
 * The dense chain of an ONNX file (dense-chain.ts), kept on disk by the file's content: a
 * process that meets the same predictor again reads a few hundred kilobytes of floats instead of
 * loading the protobuf package and decoding the model (about 15 to 50 ms of a CLI run's start).
 * A model that is not a chain is remembered too, so it is decoded once, not in every process.
 *
 * Location: <exitgraph cache dir>/dense-chains. EXITGRAPH_ORT_CACHE=0, which turns the optimized
 * model cache off, turns this one off as well.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitgraphCacheDir, writeCacheFile } from '../../kernel/host/cache-dir.js';
import { DenseChain, denseChainOf } from './dense-chain.js';
import { onnx } from './onnx-proto.js';

/** What a model file is: its chain, or why it is not one. */
export type DenseChainLookup = { readonly chain: DenseChain } | { readonly chain?: undefined; readonly reason: string };

/** The chain of the ONNX file at `path`, from the cache when this content was met before. */
export async function loadDenseChain(path: string): Promise<DenseChainLookup> {
  const bytes = await readFile(path);
  const dir = process.env.EXITGRAPH_ORT_CACHE === '0' ? undefined : join(exitgraphCacheDir(), 'dense-chains');
  const name = `${createHash('sha256').update(bytes).digest('hex')}.v1`;
  if (dir) {
    const cached = await readFile(join(dir, `${name}.bin`)).catch(() => undefined);
    const chain = cached && DenseChain.deserialize(cached);
    if (chain) return { chain };
    const reason = await readFile(join(dir, `${name}.none`), 'utf8').catch(() => undefined);
    if (reason !== undefined) return { reason };
  }
  let found: DenseChain | string;
  try {
    found = denseChainOf(onnx.ModelProto.decode(bytes));
  } catch (error) {
    // The session that runs it instead reports a broken file, with onnxruntime's own words.
    return { reason: `not decodable: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof found === 'string') {
    if (dir) await writeCacheFile(join(dir, `${name}.none`), found);
    return { reason: found };
  }
  if (dir) await writeCacheFile(join(dir, `${name}.bin`), found.serialize());
  return { chain: found };
}
