/**
 * A worker thread that owns ONNX Runtime sessions, so a model run (synchronous inside
 * onnxruntime-node) blocks this thread and not the one answering requests. The client is
 * session-worker-client.ts; the messages are in session-wire.ts.
 */
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { inputMetadataOf } from './session-handle.js';
import { fetchedFromWire, toWire, type WireTensor, type WorkerReply, type WorkerRequest } from './session-wire.js';

const sessions = new Map<number, ort.InferenceSession>();
let nextSession = 1;

function session(id: number): ort.InferenceSession {
  const found = sessions.get(id);
  if (!found) throw new Error(`session ${id} is not open in this worker (released?)`);
  return found;
}

async function handle(request: WorkerRequest): Promise<{ reply: WorkerReply; transfer: ArrayBuffer[] }> {
  switch (request.op) {
    case 'create': {
      const { model, options } = request;
      const created = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
      const id = nextSession++;
      sessions.set(id, created);
      const reply = { id: request.id, ok: true as const, session: id, inputNames: created.inputNames, outputNames: created.outputNames, inputMetadata: inputMetadataOf(created) };
      return { reply, transfer: [] };
    }
    case 'run': {
      const target = session(request.session);
      const feeds = fetchedFromWire(request.feeds);
      const results = request.fetches ? await target.run(feeds, [...request.fetches]) : await target.run(feeds);
      const outputs: Record<string, WireTensor> = {};
      for (const [name, tensor] of Object.entries(results)) outputs[name] = toWire(tensor as ort.Tensor);
      const transfer = Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer);
      // The feeds' buffers go back to be filled again, unless an output is one of them.
      const feedBuffers = [...new Set(Object.values(request.feeds).map((t) => t.data.buffer as ArrayBuffer))].filter((b) => !transfer.includes(b));
      return { reply: { id: request.id, ok: true, outputs, feedBuffers }, transfer: [...transfer, ...feedBuffers] };
    }
    case 'release': {
      await sessions.get(request.session)?.release();
      sessions.delete(request.session);
      return { reply: { id: request.id, ok: true }, transfer: [] };
    }
  }
}

const port = parentPort;
if (!port) throw new Error('session-worker.js is a worker thread entry; start it with new Worker()');
port.on('message', (request: WorkerRequest) => {
  handle(request).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
});
