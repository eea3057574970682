import { isImage, type Image } from '../../kernel/image/image.js';
import { isNamedInputs, type PackInputs } from '../packs/pack-inputs.js';
import { packInputs } from '../packs/manifest.js';
import type { PackInput } from '../packs/pack-io.js';
import { ssim } from '../metrics/ssim.js';
import { isAccelerator, type DeviceRequest } from '../onnx/devices.js';
import { loadPack, type LoadedPack } from '../packs/load-pack.js';
import { PackRunner } from '../packs/pack-runner.js';
import type { Calibration } from '../plans.js';
import type { NoveltyScore } from '../novelty/novelty-reference.js';
import { calibrationWithNovelty, readNoveltyReference } from '../novelty/read-novelty.js';
import { distanceFor } from './distance.js';
import { median } from './statistics.js';
import { readInputFolder } from './input-folder.js';
import { readPackSplit, type PackSplit, type SplitInput } from './pack-split.js';

export interface EvaluatedExit {
  readonly name: string;
  /** MACs to reach this exit from the input (predictor not included). */
  readonly macs: number;
  /** macs / full model's MACs. */
  readonly share: number;
  /** MACs of this exit's own head: what escalating past it to the full model does not reuse. */
  readonly headMacs: number;
}

/**
 * Everything routers and reports need about a pack on a held-out split, measured once: per input
 * the predictor's distances and the true distance of every exit's output to the full output
 * (the oracle pass, sharing segments; in batches on accelerators), the full model against ground
 * truth, and latencies.
 */
export interface PackEvaluation {
  readonly pack: string;
  readonly dir: string;
  readonly device: string;
  readonly metric: string;
  /** The split's name, or the input folder's name. */
  readonly split: string;
  readonly n: number;
  /** File name per input, when the inputs came from a folder. */
  readonly files?: readonly string[];
  readonly exits: readonly EvaluatedExit[];
  readonly fullMacs: number;
  readonly predictorMacs: number;
  /** n x E: predicted distance per input and exit. */
  readonly predicted: readonly (readonly number[])[];
  /** n x E: measured distance of exit k's output to the full output. */
  readonly measured: readonly (readonly number[])[];
  /** Full model vs ground truth, when the split ships ground truth. */
  readonly fullToGroundTruth?: { readonly lpips: readonly number[]; readonly ssim: readonly number[] };
  /**
   * LPIPS-alex to ground truth of each image input returned unchanged, by input name (packs whose
   * inputs are images of the output's size, e.g. the faces pack's source and driver): the
   * baselines a model must beat.
   */
  readonly baselinesToGroundTruth?: Readonly<Record<string, readonly number[]>>;
  /** Median time to reach each exit from the input, on `device` (ms). */
  readonly latencyMs: readonly number[];
  readonly predictorLatencyMs: number;
  /** The first few inputs with every exit's output, for sample grids. */
  readonly samples: readonly EvaluationSample[];
  /**
   * Several-input packs: the first input of the split held (e.g. one source portrait) and the
   * others taken from the first few inputs (e.g. a run of driving frames), every exit's output
   * for each: `held` is the held input's name and value, `varied` the other inputs per column,
   * `exits[k][j]` exit k's output for column j.
   */
  readonly strip?: { readonly held: readonly [string, Image]; readonly varied: readonly (readonly Image[])[]; readonly exits: readonly (readonly Image[])[] };
  readonly calibration?: Calibration;
  /** Per input, how unlike the calibration inputs it is (packs with novelty maps). */
  readonly novelty?: readonly NoveltyScore[];
}

/** One input kept with its outputs: `input` is a label map, or the named inputs of a several-input pack. */
export interface EvaluationSample {
  readonly input: SplitInput;
  readonly exits: readonly Image[];
  readonly groundTruth?: Image;
}

export interface EvaluatePackOptions {
  readonly device?: DeviceRequest;
  readonly weightsDir?: string;
  readonly split?: string;
  /** A folder of label-map PNGs to evaluate instead of a shipped split (see readInputFolder), or its maps already read. */
  readonly inputs?: string | PackSplit;
  /** Evaluate only the first n inputs of the split. */
  readonly limit?: number;
  /** Inputs kept with their outputs for sample grids. */
  readonly samples?: number;
  /** Columns of the strip of a several-input pack (see PackEvaluation.strip); default 8, 0 for none. */
  readonly stripColumns?: number;
  /** Inputs timed per exit (from scratch) for latencies (default 10). */
  readonly latencyInputs?: number;
  /** Times each of those inputs is timed per exit (default 3); latencies are medians over all of them. */
  readonly latencyRounds?: number;
  /**
   * Inputs per session run for the predictor and oracle passes. Default: the runner's maxBatch
   * (16) on an accelerator, 1 on cpu, where a batch measured slower per input than one by one
   * (the landscape pack on 2 cores: the network is memory-bound at 16 inputs, and one input's run
   * has almost no fixed cost left to share). Values are the same either way.
   */
  readonly batch?: number;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export async function evaluatePack(packOrName: LoadedPack | string, options: EvaluatePackOptions = {}): Promise<PackEvaluation> {
  const pack = typeof packOrName === 'string' ? await loadPack(packOrName) : packOrName;
  const { manifest, costs } = pack;
  const split = typeof options.inputs === 'string' ? await readInputFolder(pack, options.inputs, options.limit) : options.inputs ?? (await readPackSplit(pack, options.split ?? 'test', options.limit));
  const metric = manifest.metric;
  const runner = await PackRunner.open(pack, { device: options.device ?? 'cpu' });
  const distance = await distanceFor(metric, runner.device.device, options.weightsDir);
  // Ground truth is always judged in LPIPS-alex, the quality measure the report's targets use.
  const gtDistance = split.images ? await distanceFor('lpips-alex', runner.device.device, options.weightsDir) : undefined;
  const n = split.inputs.length;
  const E = manifest.exits.length;
  const keep = Math.min(n, options.samples ?? 6);

  const predicted: number[][] = [];
  const measured: number[][] = [];
  const gtLpips: number[] = [];
  const baselines: Record<string, number[]> = {};
  const gtSsim: number[] = [];
  const samples: EvaluationSample[] = [];
  const predictorMacs = costs.predictor.macs;
  // Batches stack one input tensor; a several-input pack runs input by input.
  const oneInput = packInputs(manifest).length === 1;
  const batch = oneInput ? (options.batch ?? (isAccelerator(runner.device.device) ? runner.maxBatch : 1)) : 1;
  if (!Number.isInteger(options.batch ?? 1) || (options.batch ?? 1) < 1) throw new Error(`batch must be a positive integer, got ${options.batch}`);
  const latencyRounds = options.latencyRounds ?? 3;
  if (!Number.isInteger(latencyRounds) || latencyRounds < 1) throw new Error(`latencyRounds must be a positive integer, got ${latencyRounds}`);
  // Per input: the predictor's distances and every exit's image (the oracle pass).
  const pass = async (inputs: readonly SplitInput[]): Promise<{ distances: readonly number[]; outputs: Image[] }[]> => {
    if (batch > 1) {
      const single = inputs as readonly PackInput[];
      const predictions = await runner.predictBatch(single);
      const oracle = await runner.oracleBatch(single);
      return inputs.map((_, j) => ({ distances: predictions[j]!.distances, outputs: oracle[j]!.map((r) => r.image) }));
    }
    const run = runner.begin(inputs[0]!);
    try {
      const { distances } = await run.predict();
      return [{ distances, outputs: (await run.allExits()).map((r) => r.image) }];
    } finally {
      run.dispose();
    }
  };
  for (let start = 0; start < n; start += batch) {
    options.signal?.throwIfAborted();
    const inputs = split.inputs.slice(start, start + batch);
    const results = await pass(inputs);
    for (const [j, input] of inputs.entries()) {
      const i = start + j;
      predicted.push(results[j]!.distances.slice(0, E));
      const outputs = results[j]!.outputs;
      const full = outputs[E - 1]!;
      measured.push(await distance(outputs, outputs.map(() => full)));
      const gt = split.images?.[i];
      if (gt) {
        gtLpips.push((await gtDistance!([full], [gt]))[0]!);
        for (const [name, value] of namedImages(input)) {
          if (value.width === gt.width && value.height === gt.height) (baselines[name] ??= []).push((await gtDistance!([value], [gt]))[0]!);
        }
        gtSsim.push(ssim(full, gt));
      }
      if (i < keep) samples.push({ input, exits: outputs, ...(gt ? { groundTruth: gt } : {}) });
      options.onProgress?.(i + 1, n);
    }
  }

  // Latency of each exit from scratch (what a user waits for): the median over a few inputs,
  // each timed in several rounds. On a shared machine a burst of load from elsewhere slows every
  // run for a fraction of a second, and short runs far more than long ones (measured on 2 shared
  // cores: exit 0 of the landscape pack 1.9x, the full model 1.1x); one pass over 10 inputs can
  // fall half inside such a burst and so overstate the early exits' share of the full model's
  // time. Each round visits the exits in a rotated order, so no exit always runs after the same one.
  const timed = split.inputs.slice(0, Math.min(n, options.latencyInputs ?? 10));
  const perExit: number[][] = Array.from({ length: E }, () => []);
  const predictorTimes: number[] = [];
  for (let round = 0; round < latencyRounds; round++) {
    for (const [i, input] of timed.entries()) {
      options.signal?.throwIfAborted();
      predictorTimes.push((await runner.predict(input)).wallMs);
      for (let j = 0; j < E; j++) {
        const k = (j + round + i) % E;
        const start = performance.now();
        await runner.runExit(input, k);
        perExit[k]!.push(performance.now() - start);
      }
    }
  }

  const strip = oneInput ? undefined : await heldInputStrip(runner, split.inputs, Math.min(n, options.stripColumns ?? 8));

  const reference = await readNoveltyReference(pack);
  const calibration = calibrationWithNovelty(pack, reference);
  const novelty = reference && split.labels.length === n ? split.labels.map((label) => reference.score(label)) : undefined;

  return {
    pack: manifest.name,
    dir: pack.dir,
    device: runner.device.device,
    metric,
    split: split.name,
    n,
    ...(split.files ? { files: split.files } : {}),
    exits: costs.exits.map((e, k) => ({ name: e.name, macs: e.macs, share: e.share, headMacs: costs.heads[k] ?? 0 })),
    fullMacs: costs.full,
    predictorMacs,
    predicted,
    measured,
    ...(gtLpips.length ? { fullToGroundTruth: { lpips: gtLpips, ssim: gtSsim } } : {}),
    ...(Object.keys(baselines).length ? { baselinesToGroundTruth: baselines } : {}),
    latencyMs: perExit.map(median),
    predictorLatencyMs: median(predictorTimes),
    samples,
    ...(strip ? { strip } : {}),
    ...(calibration ? { calibration } : {}),
    ...(novelty ? { novelty } : {}),
  };
}

/** The first input of the first split entry held, the others from the first `columns` entries, through every exit. */
async function heldInputStrip(runner: PackRunner, inputs: readonly SplitInput[], columns: number): Promise<PackEvaluation['strip']> {
  const first = inputs[0];
  if (!columns || !first || !isNamedInputs(first)) return undefined;
  const [heldName, heldValue] = namedImages(first)[0] ?? [];
  if (!heldName || !heldValue) return undefined;
  const varied: Image[][] = [];
  const exits: Image[][] = runner.pack.manifest.exits.map(() => []);
  for (const input of inputs.slice(0, columns)) {
    const others = namedImages(input).filter(([name]) => name !== heldName);
    varied.push(others.map(([, image]) => image));
    const results = await runner.oracle({ ...(input as PackInputs), [heldName]: heldValue });
    results.forEach((result, k) => exits[k]!.push(result.image));
  }
  return { held: [heldName, heldValue], varied, exits };
}

/** The image inputs of a several-input pack's input, by name (none for a single input). */
export function namedImages(input: SplitInput): [string, Image][] {
  if (!isNamedInputs(input)) return [];
  return Object.entries(input).filter((entry): entry is [string, Image] => isImage(entry[1]));
}
