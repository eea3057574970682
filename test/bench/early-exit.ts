/**
 * Early exits on the shipped landscape pack (skipped, with a note, when the pack or the LPIPS
 * weights are missing): on a slice of the test split, the MACs and wall time saved by the
 * threshold and risk routers against the full model, next to the oracle's ceiling, all measured
 * in this run; and the cost of predictor + routing against one full-model run: on one map
 * already packed, and what it adds to a run of a map not seen before (packing shared).
 */
import { evaluatePack, evaluateRouter, loadModelPack, packInputTensor, PackRunner, readNoveltyReference, readPackSplit, RouterRegistry, type Prediction } from '../../sdk/early-exit/index.js';
import { predictorFeaturesTensor } from '../../sdk/early-exit/packs/predictor-features.js';
import { medianMs, shippedPack, type BenchSection } from './bench-report.js';

const INPUTS = 60;
const ROUTE_ROUNDS = 41;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function earlyExitBench(): Promise<BenchSection> {
  const title = 'Early exits (landscape pack, test split)';
  const { dir, skipped } = shippedPack('landscape', title);
  if (skipped) return skipped;
  const pack = await loadModelPack(dir);
  const evaluation = await evaluatePack(pack, { device: 'cpu', limit: INPUTS, latencyInputs: 10 });
  const tau = 0.1;
  const routers = new RouterRegistry();
  const threshold = evaluateRouter(evaluation, routers, 'threshold', { tau }, tau);
  const risk = evaluateRouter(evaluation, routers, 'risk', { tau, alpha: 0.1 }, tau);
  const oracle = evaluateRouter(evaluation, routers, 'oracle', { tau }, tau);

  // Routing cost: predictor run + one routing decision, against one full-model run, same inputs.
  const runner = await PackRunner.open(pack, { device: 'cpu' });
  const label = (await readPackSplit(pack, 'test', 1)).labels[0]!;
  const last = pack.manifest.exits.length - 1;
  const risky = routers.get('risk');
  const params = routers.params(risky, { tau, alpha: 0.1 });
  const prepared = routers.prepared(risky, params, pack.calibration);
  const routeOn = (prediction: Prediction): void => {
    risky.route({ difficulty: { pack: 'landscape', metric: pack.manifest.metric, exits: pack.costs.exits.map((e, k) => ({ name: e.name, predicted: prediction.distances[k]!, macs: e.macs })), predictorMacs: prediction.macs } }, params, prepared, undefined);
  };
  // The same map as new pixels, made before the clock starts (in a graph another node made it):
  // the runner checks it and computes what the predictor reads again (a pack whose predictor
  // reads runtime-computed features pays for them here).
  const fresh = (): typeof label => ({ ...label, ids: label.ids.slice() });
  const route = async (map: typeof label): Promise<void> => routeOn(await runner.predict(map));
  const routeSeen = async (): Promise<void> => routeOn(await runner.predict(label));
  // The same through onnxruntime: a runner that never evaluates the predictor in JS (for a
  // predictor that is a dense chain, the runner above does; otherwise both run the session).
  const viaSession = await PackRunner.open(pack, { device: 'cpu', jsPredictor: false });
  const routeViaSession = async (map: typeof label): Promise<void> => routeOn(await viaSession.predict(map));
  // What of that is predictor.onnx's own run in onnxruntime (its session alone, same input), and
  // what converting a label map not seen before to the pack's input costs (one-hot at full size:
  // in a graph, done once per input, then shared by the predictor and the generator).
  const predictor = await viaSession.session(pack.plan.predictor.id);
  const features = pack.manifest.predictor.features;
  const feeds = { [pack.plan.predictor.inputs[0]!]: features ? predictorFeaturesTensor(pack.manifest, features, label) : packInputTensor(pack.manifest, label) };
  // The novelty check the Exit Selector adds for routers with a tau (nearest calibration map,
  // p-value, and the predictor samples' gap), on a map not seen before: not part of the
  // predictor + routing figure above, which is what every router pays.
  const reference = await readNoveltyReference(pack);
  const noveltyOf = async (map: typeof label): Promise<void> => {
    reference?.score(map);
  };
  const predictorOnly = async (): Promise<void> => {
    await predictor.run(feeds, pack.plan.predictor.outputs);
  };
  const packing = async (map: typeof label): Promise<void> => {
    packInputTensor(pack.manifest, map);
  };
  // What routing adds in a pipeline, as a graph runs it: a map not seen before (so packed in the
  // run), predicted, routed and run to exit 0, against the same map run to exit 0 directly.
  const routed = async (map: typeof label): Promise<void> => {
    routeOn(await runner.predict(map));
    await runner.runExit(map, 0);
  };
  // Interleaved, so all see the same machine load.
  const fullTimes: number[] = [];
  const routeTimes: number[] = [];
  const predictorTimes: number[] = [];
  const packingTimes: number[] = [];
  const pipelineAdded: number[] = [];
  const seenTimes: number[] = [];
  const sessionRouteTimes: number[] = [];
  const noveltyTimes: number[] = [];
  for (let round = 0; round < ROUTE_ROUNDS; round++) {
    const [newMap, packedMap, routedMap, directMap, sessionMap] = [fresh(), fresh(), fresh(), fresh(), fresh()];
    routeTimes.push(await medianMs(() => route(newMap), 1));
    fullTimes.push(await medianMs(() => runner.runExit(label, last), 1));
    sessionRouteTimes.push(await medianMs(() => routeViaSession(sessionMap), 1));
    fullTimes.push(await medianMs(() => runner.runExit(label, last), 1));
    seenTimes.push(await medianMs(routeSeen, 1));
    fullTimes.push(await medianMs(() => runner.runExit(label, last), 1));
    predictorTimes.push(await medianMs(predictorOnly, 1));
    fullTimes.push(await medianMs(() => runner.runExit(label, last), 1));
    packingTimes.push(await medianMs(() => packing(packedMap), 1));
    fullTimes.push(await medianMs(() => runner.runExit(label, last), 1));
    const novelMap = fresh();
    noveltyTimes.push(await medianMs(() => noveltyOf(novelMap), 1));
    // Each after a full run, as every other timing here: a run right after another of the same
    // exit finds its weights in the caches.
    fullTimes.push(await medianMs(() => runner.runExit(label, last), 1));
    const routedMs = await medianMs(() => routed(routedMap), 1);
    fullTimes.push(await medianMs(() => runner.runExit(label, last), 1));
    pipelineAdded.push(routedMs - (await medianMs(() => runner.runExit(directMap, 0), 1)));
  }
  const fullMs = median(fullTimes);
  const routeMs = median(routeTimes);
  const predictorMs = median(predictorTimes);
  return {
    title,
    figures: [
      { name: 'threshold tau 0.1: MACs saved', value: threshold.macs_saved * 100, unit: '%' },
      { name: 'threshold tau 0.1: time saved', value: threshold.latency_saved * 100, unit: '%' },
      { name: 'threshold tau 0.1: time saved / MACs saved', value: threshold.latency_saved / threshold.macs_saved, unit: 'x', target: '>= 0.85' },
      { name: 'threshold / oracle saving', value: threshold.macs_saved / oracle.macs_saved, unit: 'x', target: '>= 0.8' },
      { name: 'risk tau 0.1 alpha 0.1: MACs saved', value: risk.macs_saved * 100, unit: '%', target: '>= 35' },
      { name: 'risk: violation rate', value: risk.violation_rate * 100, unit: '%', target: '<= 10' },
      { name: 'oracle tau 0.1: MACs saved (ceiling)', value: oracle.macs_saved * 100, unit: '%' },
      { name: 'predictor share of full MACs', value: (evaluation.predictorMacs / evaluation.fullMacs) * 100, unit: '%', target: '< 5' },
      { name: 'predictor + routing time / full model time (a map not seen before)', value: (routeMs / fullMs) * 100, unit: '%', target: '<= 1.5' },
      { name: 'predictor + routing time', value: routeMs, unit: 'ms' },
      { name: `  the predictor evaluated ${runner.predictsInJs ? 'in JS (a dense chain)' : 'by onnxruntime (not a dense chain)'}; the same through an onnxruntime session / full model time`, value: (median(sessionRouteTimes) / fullMs) * 100, unit: '%' },
      { name: '  the same map predicted again (its checks and features cached) / full model time', value: (median(seenTimes) / fullMs) * 100, unit: '%' },
      { name: '  predictor.onnx\'s onnxruntime session run alone / full model time', value: (predictorMs / fullMs) * 100, unit: '%' },
      { name: 'input packing of a new label map / full model time', value: (median(packingTimes) / fullMs) * 100, unit: '%' },
      ...(reference ? [{ name: 'novelty check of a new label map (risk and threshold routers) / full model time', value: (median(noveltyTimes) / fullMs) * 100, unit: '%' }] : []),
      { name: 'in a pipeline: predict + route + exit 0 minus exit 0 alone, new maps / full model time', value: (median(pipelineAdded) / fullMs) * 100, unit: '%' },
      { name: 'full model time (runner, one input)', value: fullMs, unit: 'ms' },
      // What makes time saved lag MACs saved: an exit whose time share exceeds its MACs share.
      ...evaluation.exits.slice(0, -1).map((exit, k) => ({
        name: `exit ${exit.name}: time share / MACs share`,
        value: evaluation.latencyMs[k]! / evaluation.latencyMs[evaluation.exits.length - 1]! / exit.share,
        unit: 'x',
      })),
    ],
    notes: [`${evaluation.n} test inputs on cpu; time saved uses the median latency of each exit measured in this run (10 inputs, 3 rounds)`],
  };
}
