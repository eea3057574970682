// Runs a pack's parity vectors (written by build_pack --parity-out) through onnxruntime-node and
// prints the largest absolute difference per case as JSON. Python has no onnxruntime here, so the
// export parity check (ONNX vs PyTorch) runs the ONNX side in Node, the runtime exitgraph uses.
// Usage: node run_parity.mjs <pack dir> <parity dir>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [packDir, parityDir] = process.argv.slice(2);
const require = createRequire(join(process.cwd(), 'noop.js'));
const ort = require('onnxruntime-node');
const index = JSON.parse(readFileSync(join(parityDir, 'index.json'), 'utf8'));
const read = (t) => {
  const bytes = readFileSync(join(parityDir, t.data));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const results = [];
for (const c of index.cases) {
  const session = await ort.InferenceSession.create(join(packDir, c.file));
  const feeds = Object.fromEntries(c.inputs.map((t) => [t.name, new ort.Tensor('float32', read(t), t.shape)]));
  const outputs = await session.run(feeds);
  let worst = 0;
  for (const t of c.outputs) {
    const got = outputs[t.name].data;
    const want = read(t);
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  results.push({ file: c.file, sample: c.sample, max_abs_diff: worst });
  await session.release();
}
process.stdout.write(JSON.stringify({ tolerance: index.tolerance, results }));
