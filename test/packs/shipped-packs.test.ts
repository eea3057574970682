/**
 * The packs shipped in models/packs/ (made by the Python toolkit in models/training): each loads
 * with no errors, its exits through the runner equal its monolithic reference model, escalation
 * equals a direct run, and, where the toolkit left parity vectors (models/training/parity-out/
 * <name>/index.json, not committed), every ONNX file reproduces PyTorch's outputs under
 * onnxruntime within the toolkit's tolerance. Skips, saying why, when no pack is there yet.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModelPack as loadPack, packInputs, packStages, readPackSplit, type LoadedModelPack, type PackInput, type PackInputs } from '../../sdk/early-exit/index.js';
import { inputChannels, isNamedInputs, packInputTensor } from '../../sdk/early-exit/index.js';
import { PackRunner } from '../../sdk/early-exit/index.js';
import { maxAbsDiff } from './helpers.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PACKS = join(REPO, 'models', 'packs');
const PARITY = join(REPO, 'models', 'training', 'parity-out');
const shipped = existsSync(PACKS) ? readdirSync(PACKS).filter((name) => existsSync(join(PACKS, name, 'manifest.json'))) : [];

interface ParityTensor {
  name: string;
  shape: number[];
  data: string;
}
interface ParityIndex {
  pack: string;
  tolerance: number;
  cases: { file: string; sample: number; inputs: ParityTensor[]; outputs: ParityTensor[] }[];
}

/** The first input of the pack's first split (or a synthetic one) as the runner takes it and as the reference model's feeds. */
async function firstInput(pack: LoadedModelPack): Promise<{ input: PackInput | PackInputs; feeds: Record<string, ort.Tensor> }> {
  const { manifest } = pack;
  const specs = packInputs(manifest);
  const split = Object.keys(manifest.splits ?? {})[0];
  if (split) {
    const input = (await readPackSplit(pack, split, 1)).inputs[0]!;
    const named: PackInputs = specs.length === 1 && !isNamedInputs(input) ? { [specs[0]!.name]: input } : (input as PackInputs);
    const feeds = Object.fromEntries(specs.map((spec) => [spec.name, packInputTensor({ ...manifest, input: spec }, named[spec.name]!)]));
    return { input, feeds };
  }
  const spec = manifest.input;
  const channels = inputChannels(spec);
  const plane = spec.height * spec.width;
  const x = new ort.Tensor('float32', Float32Array.from({ length: channels * plane }, (_, i) => (spec.kind === 'label_map' ? Number(Math.floor(i / plane) === (i % 7) % channels) : Math.sin(i) * 0.9)), [1, channels, spec.height, spec.width]);
  return { input: x, feeds: { [spec.name]: x } };
}

function readParityTensor(dir: string, t: ParityTensor): Float32Array {
  const bytes = readFileSync(join(dir, t.data));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

describe('shipped model packs', () => {
  it.skipIf(shipped.length > 0)('(none in models/packs yet)', (ctx) => {
    console.warn('[skipped] no pack in models/packs yet: the Python toolkit (models/training) makes them');
    ctx.skip('no pack in models/packs yet');
  });

  describe.each(shipped)('%s', (name) => {
    const dir = join(PACKS, name);

    it('loads with no errors; exits cost more in order and the last is the full model', async () => {
      const pack = await loadPack(dir);
      const errors = pack.problems.filter((p) => p.severity === 'error');
      expect(errors).toEqual([]);
      const shares = pack.costs.exits.map((e) => e.share);
      expect(shares).toEqual([...shares].sort((a, b) => a - b));
      expect(shares.at(-1)).toBe(1);
      console.log(`${name}: full ${(pack.costs.full / 1e6).toFixed(1)} MMAC; exits ${pack.costs.exits.map((e) => `${e.name} ${(e.share * 100).toFixed(1)}%`).join(', ')}; predictor ${(pack.costs.predictor.share * 100).toFixed(2)}%`);
      if (pack.problems.length) console.log(`${name} warnings:\n${pack.problems.map((p) => `  ${p.file} (${p.field}): ${p.message}`).join('\n')}`);
    });

    it('runs every exit equal to its monolithic reference, and escalation equal to a direct run', async (ctx) => {
      const pack = await loadPack(dir);
      if (!pack.manifest.reference) return ctx.skip(`${name} has no reference model`);
      const runner = await PackRunner.open(pack, { device: 'cpu' });
      const { feeds, input } = await firstInput(pack);
      const reference = await ort.InferenceSession.create(pack.path(pack.manifest.reference.file));
      const expected = await reference.run(feeds);
      const results = await runner.oracle(input);
      for (const [k, result] of results.entries()) {
        const output = pack.manifest.exits[k]!.output;
        if (!expected[output]) continue;
        expect(maxAbsDiff(result.data, expected[output]!.data as Float32Array), `${result.exit}`).toBeLessThan(1e-4);
      }
      const run = runner.begin(input);
      await run.toExit(0);
      const escalated = await run.escalate(results.length - 1);
      run.dispose();
      // Both merge the steps they add into one session, different steps each: equal up to float rounding.
      expect(maxAbsDiff(escalated.data, results.at(-1)!.data)).toBeLessThan(1e-5);
      await reference.release();
      // A pack with input-only stages (the faces pack's appearance encoder): cached stage outputs give the same pixels.
      if (packStages(pack.manifest).length) {
        const uncached = await PackRunner.open(pack, { device: 'cpu', stageCacheSize: 0 });
        const again = await runner.oracle(input);
        const fresh = await uncached.oracle(input);
        for (const [k, result] of fresh.entries()) expect(maxAbsDiff(result.data, again[k]!.data), `${result.exit} cached vs uncached`).toBe(0);
      }
    });

    const parityDir = join(PARITY, name);
    it.skipIf(!existsSync(join(parityDir, 'index.json')))('reproduces the toolkit\'s PyTorch parity vectors under onnxruntime', async () => {
      const index = JSON.parse(readFileSync(join(parityDir, 'index.json'), 'utf8')) as ParityIndex;
      expect(index.cases.length).toBeGreaterThan(0);
      let worst = 0;
      for (const c of index.cases) {
        const session = await ort.InferenceSession.create(join(dir, c.file));
        const feeds = Object.fromEntries(c.inputs.map((t) => [t.name, new ort.Tensor('float32', readParityTensor(parityDir, t), t.shape)]));
        const outputs = await session.run(feeds);
        for (const t of c.outputs) {
          const diff = maxAbsDiff(outputs[t.name]!.data as Float32Array, readParityTensor(parityDir, t));
          worst = Math.max(worst, diff);
          expect(diff, `${c.file} sample ${c.sample} ${t.name}`).toBeLessThanOrEqual(index.tolerance);
        }
        await session.release();
      }
      console.log(`${name}: ${index.cases.length} parity cases, largest |onnxruntime - PyTorch| ${worst.toExponential(2)} (tolerance ${index.tolerance})`);
    });
  });
});
