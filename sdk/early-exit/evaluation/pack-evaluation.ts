import type { Image, LabelMap } from '../../kernel/image/image.js';
import { ssim } from '../metrics/ssim.js';
import type { DeviceRequest } from '../onnx/devices.js';
import { loadPack, type LoadedPack } from '../packs/load-pack.js';
import { PackRunner } from '../packs/pack-runner.js';
import type { Calibration } from '../plans.js';
import { distanceFor } from './distance.js';
import { median } from './statistics.js';
import { readInputFolder } from './input-folder.js';
import { readPackSplit, type PackSplit } from './pack-split.js';

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
 * (the oracle pass, sharing segments), the full model against ground truth, and latencies.
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
  /** Median time to reach each exit from the input, on `device` (ms). */
  readonly latencyMs: readonly number[];
  readonly predictorLatencyMs: number;
  /** The first few inputs with every exit's output, for sample grids. */
  readonly samples: readonly { readonly label: LabelMap; readonly exits: readonly Image[]; readonly groundTruth?: Image }[];
  readonly calibration?: Calibration;
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
  /** Inputs timed per exit (from scratch) for latencies. */
  readonly latencyInputs?: number;
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
  const n = split.labels.length;
  const E = manifest.exits.length;
  const keep = Math.min(n, options.samples ?? 6);

  const predicted: number[][] = [];
  const measured: number[][] = [];
  const gtLpips: number[] = [];
  const gtSsim: number[] = [];
  const samples: { label: LabelMap; exits: Image[]; groundTruth?: Image }[] = [];
  let predictorMacs = 0;
  for (let i = 0; i < n; i++) {
    options.signal?.throwIfAborted();
    const label = split.labels[i]!;
    const run = runner.begin(label);
    try {
      const prediction = await run.predict();
      predictorMacs = prediction.macs;
      predicted.push(prediction.distances.slice(0, E));
      const outputs = (await run.allExits()).map((r) => r.image);
      const full = outputs[E - 1]!;
      measured.push(await distance(outputs, outputs.map(() => full)));
      const gt = split.images?.[i];
      if (gt) {
        gtLpips.push((await gtDistance!([full], [gt]))[0]!);
        gtSsim.push(ssim(full, gt));
      }
      if (i < keep) samples.push({ label, exits: outputs, ...(gt ? { groundTruth: gt } : {}) });
    } finally {
      run.dispose();
    }
    options.onProgress?.(i + 1, n);
  }

  // Latency of each exit from scratch (what a user waits for), median over a few inputs.
  const timed = split.labels.slice(0, Math.min(n, options.latencyInputs ?? 10));
  const perExit: number[][] = Array.from({ length: E }, () => []);
  const predictorTimes: number[] = [];
  for (const label of timed) {
    predictorTimes.push((await runner.predict(label)).wallMs);
    for (let k = 0; k < E; k++) {
      const start = performance.now();
      await runner.runExit(label, k);
      perExit[k]!.push(performance.now() - start);
    }
  }

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
    latencyMs: perExit.map(median),
    predictorLatencyMs: median(predictorTimes),
    samples,
    ...(pack.calibration ? { calibration: pack.calibration } : {}),
  };
}
