/**
 * Model packs: the runner's run to the last exit (one merged session per exit reached from
 * scratch) and the segment-by-segment path (one session per segment, tensors passed through the
 * runner's pool) against one session of the same network (the same files merged into one graph,
 * outside the runner), on cpu; and MACs and wall time per exit. On the tiny fixture (25 MMACs) the fixed cost
 * per session dominates; models/packs/landscape, when present, is the realistic case.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModelPack as loadPack, type LoadedModelPack as LoadedPack } from '../../sdk/early-exit/index.js';
import { monolithicExitModel } from '../../sdk/early-exit/index.js';
import { PackRunner } from '../../sdk/early-exit/index.js';
import { outputImage, packInputTensor } from '../../sdk/early-exit/index.js';
import { inputChannels, readPackSplit, SessionCache } from '../../sdk/early-exit/index.js';
import type { BenchFigure, BenchSection } from './bench-report.js';

const ROUNDS = 41;

function randomInput(pack: LoadedPack): ort.Tensor {
  const { input } = pack.manifest;
  const channels = inputChannels(input);
  const plane = input.height * input.width;
  const data = new Float32Array(channels * plane);
  let seed = 12345;
  for (let i = 0; i < plane; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    if (input.kind === 'label_map') data[(Math.floor(i / 97 + seed / 2147483648) % channels) * plane + i] = 1;
    else for (let c = 0; c < 3; c++) data[c * plane + i] = (seed / 2147483648) * 2 - 1;
  }
  return new ort.Tensor('float32', data, [1, channels, input.height, input.width]);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function packFigures(label: string, dir: string): Promise<{ figures: BenchFigure[]; notes: string[] }> {
  const pack = await loadPack(dir);
  const sessions = new SessionCache();
  const runner = await PackRunner.open(pack, { device: 'cpu', sessions });
  const bySegment = await PackRunner.open(pack, { device: 'cpu', sessions, fuse: false });
  const last = pack.manifest.exits.length - 1;
  const monolith = await sessions.get(await monolithicExitModel(pack, last), { device: 'cpu' });
  const x = randomInput(pack);
  const inputName = pack.manifest.input.name;
  const outputName = pack.manifest.exits[last]!.output;

  // Interleaved, so all three see the same machine load (the cores are shared), and in an order
  // that rotates every round, so none always runs first or right after another.
  const viaRunner: number[] = [];
  const segmented: number[] = [];
  const single: number[] = [];
  const throughRunner = (r: PackRunner) => async (): Promise<void> => {
    const run = r.begin(x);
    await run.toExit(last);
    run.dispose();
  };
  const oneSession = async (): Promise<void> => {
    const out = await monolith.run({ [inputName]: x }, [outputName]);
    outputImage(out[outputName]!.data as Float32Array, out[outputName]!.dims, pack.manifest.output.range);
  };
  const contenders: [() => Promise<void>, number[]][] = [[throughRunner(runner), viaRunner], [throughRunner(bySegment), segmented], [oneSession, single]];
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const [job, times] = contenders[(round + i) % contenders.length]!;
      const t = performance.now();
      await job();
      times.push(performance.now() - t);
    }
  }
  const [viaRun, seg, mono] = [median(viaRunner), median(segmented), median(single)];
  const figures: BenchFigure[] = [
    { name: `${label}: runner to last exit`, value: viaRun, unit: 'ms' },
    { name: `${label}: segment by segment`, value: seg, unit: 'ms' },
    { name: `${label}: one session, same network`, value: mono, unit: 'ms' },
    { name: `${label}: runner / one session`, value: viaRun / mono, unit: 'x', target: '<= 1.03' },
    { name: `${label}: segment by segment / one session`, value: seg / mono, unit: 'x' },
    // What segmentation costs in absolute terms: fixed per session run, independent of model size.
    { name: `${label}: segment by segment, extra time per session run`, value: ((seg - mono) / pack.plan.exitSteps[last]!.length) * 1000, unit: 'us' },
  ];
  // Each exit from scratch, interleaved round by round in a rotating order (shared cores).
  const E = pack.costs.exits.length;
  const perExit: number[][] = Array.from({ length: E }, () => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < E; i++) {
      const k = (round + i) % E;
      const t = performance.now();
      const run = runner.begin(x);
      await run.toExit(k);
      run.dispose();
      perExit[k]!.push(performance.now() - t);
    }
  }
  const fullMs = median(perExit[E - 1]!);
  for (const [k, exit] of pack.costs.exits.entries()) {
    const ms = median(perExit[k]!);
    figures.push({ name: `${label}: exit ${exit.name} MACs`, value: exit.macs / 1e6, unit: `MMAC (${(exit.share * 100).toFixed(1)}% of full)` });
    figures.push({ name: `${label}: exit ${exit.name} time`, value: ms, unit: `ms (${((ms / fullMs) * 100).toFixed(1)}% of full)` });
    // 1 = time tracks MACs; above 1, the exit pays fixed costs its MACs do not show.
    if (k < E - 1) figures.push({ name: `${label}: exit ${exit.name} time share / MACs share`, value: ms / fullMs / exit.share, unit: 'x' });
  }
  figures.push(...(await batchFigures(label, runner, pack, last, sessions)));
  figures.push({ name: `${label}: predictor MACs`, value: pack.costs.predictor.macs / 1e6, unit: `MMAC (${(pack.costs.predictor.share * 100).toFixed(2)}% of full)`, target: '< 5%' });
  await sessions.clear();
  return { figures, notes: [`${label}: ${pack.manifest.segments.length} segments, ${pack.manifest.exits.length} exits, ${ROUNDS} interleaved rounds, medians, cpu; batches of ${BATCH}: ${BATCH_ROUNDS} rounds after ${BATCH_WARM_UP_ROUNDS} untimed warm-up rounds`] };
}

const BATCH = 16;
const BATCH_ROUNDS = 11;
/**
 * Untimed rounds first: a batched session's first runs at a new batch size grow onnxruntime's
 * memory arena and fault in fresh pages (landscape, exit 0, 2 cores: 186 and 92 ms for the first
 * two batches of 16, then 40 ms), a one-time cost a long batch job pays once, not per batch.
 */
const BATCH_WARM_UP_ROUNDS = 2;

/**
 * Items per second: BATCH inputs to one exit as one batch against the same inputs one by one,
 * through the runner; and the same comparison on onnxruntime alone (one session of the exit's
 * merged model with a batch dimension: BATCH runs of batch 1 against one run of batch BATCH), which
 * says how much batching can give at all on this device, whatever the runner does. Steady state:
 * medians of BATCH_ROUNDS rounds after BATCH_WARM_UP_ROUNDS untimed ones.
 */
async function batchFigures(label: string, runner: PackRunner, pack: LoadedPack, last: number, sessions: SessionCache): Promise<BenchFigure[]> {
  const split = (await readPackSplit(pack, 'test', BATCH)).labels;
  const labels = Array.from({ length: BATCH }, (_, i) => split[i % split.length]!);
  const inputName = pack.manifest.input.name;
  const tensors = labels.map((l) => packInputTensor(pack.manifest, l));
  const size = tensors[0]!.data.length;
  const stacked = new Float32Array(size * BATCH);
  tensors.forEach((t, i) => stacked.set(t.data as Float32Array, i * size));
  const whole = new ort.Tensor('float32', stacked, [BATCH, ...tensors[0]!.dims.slice(1)]);
  const figures: BenchFigure[] = [];
  for (const k of [0, last]) {
    const name = pack.manifest.exits[k]!.name;
    const output = pack.manifest.exits[k]!.output;
    await runner.runBatch(labels, k); // creates the batched session
    const raw = await sessions.get(await monolithicExitModel(pack, k, [], { batch: true }), { device: 'cpu' });
    const oneByOne: number[] = [];
    const batched: number[] = [];
    const batchedSession: number[] = [];
    const rawOne: number[] = [];
    const rawBatch: number[] = [];
    let worst = 0;
    for (let round = 0; round < BATCH_WARM_UP_ROUNDS + BATCH_ROUNDS; round++) {
      // Every round is timed; the warm-up rounds' times are dropped below.
      let t = performance.now();
      const singles: { data: Float32Array }[] = [];
      for (const input of labels) singles.push(await runner.runExit(input, k));
      oneByOne.push(performance.now() - t);
      t = performance.now();
      const batch = await runner.runBatch(labels, k);
      batched.push(performance.now() - t);
      batchedSession.push(batch.reduce((sum, r) => sum + r.wallMs, 0));
      batch.forEach((r, i) => r.data.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - singles[i]!.data[j]!)))));
      t = performance.now();
      for (const x of tensors) await raw.run({ [inputName]: x }, [output]);
      rawOne.push(performance.now() - t);
      t = performance.now();
      await raw.run({ [inputName]: whole }, [output]);
      rawBatch.push(performance.now() - t);
    }
    for (const times of [oneByOne, batched, batchedSession, rawOne, rawBatch]) times.splice(0, BATCH_WARM_UP_ROUNDS);
    const single = (BATCH * 1000) / median(oneByOne);
    const many = (BATCH * 1000) / median(batched);
    figures.push(
      { name: `${label}: exit ${name}, items/s one by one`, value: single, unit: 'items/s' },
      { name: `${label}: exit ${name}, items/s batch of ${BATCH}`, value: many, unit: 'items/s' },
      // The target is exit 0's, where a router sends most inputs. The full model's convolutions
      // are large enough that onnxruntime itself gains little from a batch on cpu (its own ratio
      // is printed below), so the runner's ratio there can only follow it.
      { name: `${label}: exit ${name}, batch of ${BATCH} / one by one`, value: many / single, unit: 'x', ...(k === 0 ? { target: '>= 1.3' } : {}) },
      { name: `${label}: exit ${name}, batch vs one by one, max abs difference`, value: worst, unit: '' },
      // Where a batch's time goes: the runner's batched session run, against the same network's.
      { name: `${label}: exit ${name}, batch of ${BATCH}: runner's session run / whole batch`, value: median(batchedSession) / median(batched), unit: 'x' },
      { name: `${label}: exit ${name}, batch of ${BATCH}: runner's session run / same network's`, value: median(batchedSession) / median(rawBatch), unit: 'x' },
      { name: `${label}: exit ${name}, onnxruntime alone: batch of ${BATCH} / ${BATCH} runs of 1`, value: median(rawOne) / median(rawBatch), unit: 'x' },
    );
  }
  return figures;
}

function withoutTarget({ target: _target, ...figure }: BenchFigure): BenchFigure {
  return figure;
}

export async function packRunnerBench(): Promise<BenchSection> {
  const root = process.cwd();
  const fixture = 'tiny-landscape';
  const targets: [string, string][] = [[fixture, join(root, 'test', 'fixtures', 'packs', fixture)]];
  const landscape = join(root, 'models', 'packs', 'landscape');
  if (existsSync(join(landscape, 'manifest.json'))) targets.push(['landscape', landscape]);
  const figures: BenchFigure[] = [];
  const notes: string[] = [`targets are the shipped pack's; ${fixture} runs in a fraction of a millisecond, where fixed per-run costs and timer noise decide its ratios, so it carries none`];
  for (const [label, dir] of targets) {
    const result = await packFigures(label, dir);
    figures.push(...result.figures.map((figure) => (label === fixture ? withoutTarget(figure) : figure)));
    notes.push(...result.notes);
  }
  if (targets.length === 1) notes.push('models/packs/landscape not present: only the fixture was measured');
  return { title: 'Model packs: the runner vs one session of the same network, cost per exit', figures, notes };
}
