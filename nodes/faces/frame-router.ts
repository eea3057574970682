/**
 * Exit plans per frame, from the same router registry the Exit Selector uses: one router stream
 * per node and params, so stream routers (deadline, budget) see the frames as the stream they
 * are made for, and learn each exit's latency from the frames already run.
 */
import type { NodeContext } from '../../sdk/index.js';
import { PACK_RUNNERS, ROUTER_STREAMS, ROUTERS, paramsForRouter, type Difficulty, type ExitPlan, type PackRun, type PackRunner } from '../../sdk/early-exit/index.js';

export interface FramePlanner {
  /** Whether the router reads predicted distances (the predictor runs only then). */
  readonly usesPrediction: boolean;
  /** The plan for one input, from its run (the predictor runs on it when the router reads predictions). */
  plan(run: PackRun): Promise<{ plan: ExitPlan; predictorMacs: number }>;
  /** Tells the stream what the planned exit cost, so stream routers adapt. */
  observe(plan: ExitPlan, exit: number, macs: number, wallMs: number): void;
}

export function framePlanner(ctx: NodeContext, runner: PackRunner, params: Readonly<Record<string, unknown>>): FramePlanner {
  const routers = ctx.services.get(ROUTERS);
  const name = String(params.router);
  const router = routers.get(name);
  if (router.evaluationOnly) throw new Error(`router "${name}" is for evaluation only (exitgraph eval); pick another router for graphs`);
  const checked = routers.params(router, paramsForRouter(router, params));
  const stream = `${ctx.nodeId}|${router.id}|${JSON.stringify(checked)}`;
  const streams = ctx.services.get(ROUTER_STREAMS);
  const state = streams.state(stream, router);
  const runners = ctx.services.get(PACK_RUNNERS);
  const { manifest, costs, calibration } = runner.pack;
  const prepared = routers.prepared(router, checked, calibration);
  const usesPrediction = router.usesPrediction !== false;
  return {
    usesPrediction,
    async plan(run) {
      const prediction = usesPrediction ? await run.predict() : undefined;
      const latencyMs = runners.latencies(runner);
      const difficulty: Difficulty = {
        pack: manifest.name,
        metric: manifest.metric,
        exits: manifest.exits.map((exit, k) => ({ name: exit.name, predicted: prediction?.distances[k] ?? Number.NaN, macs: costs.exits[k]!.macs })),
        predictorMacs: prediction?.macs ?? 0,
        ...(calibration ? { calibration } : {}),
        ...(latencyMs ? { latencyMs } : {}),
      };
      const routed = router.route({ difficulty, ...(calibration ? { calibration } : {}), ...(latencyMs ? { latencyMs } : {}) }, checked, prepared, state);
      const plan: ExitPlan = { ...routed, router: router.id, stream, ...(prediction ? { predicted: prediction.distances } : {}), ...(typeof checked.tau === 'number' ? { tau: checked.tau } : {}) };
      return { plan, predictorMacs: prediction?.macs ?? 0 };
    },
    observe(plan, exit, macs, wallMs) {
      runners.recordLatency(runner, exit, wallMs);
      streams.observe(plan, { macs, latencyMs: wallMs });
    },
  };
}
