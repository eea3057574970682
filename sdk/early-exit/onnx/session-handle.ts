/**
 * What exitgraph needs of an ONNX Runtime session, whether it lives on this thread or in a
 * session worker (session-worker-client.ts): names, input metadata, run, release.
 */
import type * as ort from 'onnxruntime-node';

export type Feeds = Record<string, ort.Tensor>;
export type Fetched = Record<string, ort.Tensor>;

/** An input's declared type and shape (symbolic dimensions as names). */
export interface InputMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type: ort.Tensor.Type;
  readonly shape: readonly (number | string)[];
}

export interface SessionHandle {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly InputMetadata[];
  /** `fetches` limits which outputs come back; all nodes still run. */
  run(feeds: Feeds, fetches?: readonly string[]): Promise<Fetched>;
  release(): Promise<void>;
}

/** The metadata of a session's inputs as plain data (it crosses threads). */
export function inputMetadataOf(session: ort.InferenceSession): InputMetadata[] {
  return session.inputMetadata.map((meta) =>
    meta.isTensor
      ? { name: meta.name, isTensor: true, type: meta.type, shape: [...meta.shape] }
      : { name: meta.name, isTensor: false, type: 'float32' as const, shape: [] },
  );
}

/** A session on this thread: each run blocks it for the length of the model. */
export function inProcessHandle(session: ort.InferenceSession): SessionHandle {
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: inputMetadataOf(session),
    run: async (feeds, fetches) => (fetches ? await session.run(feeds, [...fetches]) : await session.run(feeds)) as Fetched,
    release: () => session.release(),
  };
}
