import { defineNode } from '../../sdk/index.js';
import { PACK_RUNNERS, ROUTER_STREAMS, auditRun, type ExitPlan } from '../../sdk/early-exit/index.js';

interface GeneratorParams {
  pack: string;
  /** Escalate while the exit's predicted distance is within this margin of tau (0: never). */
  escalate_margin: number;
}

export const semanticMapGenerator = defineNode({
  id: 'exitgraph/SemanticMapGenerator',
  version: 1,
  title: 'Semantic Map Generator',
  category: 'early-exit',
  description:
    "Renders an image from a label map with an early-exit model pack. With an exit plan it stops at the planned exit (running only the segments that exit needs); without one it runs the full model. With escalate_margin > 0, an exit whose predicted distance is within the margin of the router's tau continues to the next exit, reusing the segments already computed. On an input the plan's audit picks, it also runs the full model (reusing segments), measures the output's true distance to the full output and reports it to the selector's stream; the output stays the chosen exit's, and the audit's MACs count in the saving.",
  inputs: {
    label_map: { type: 'LABEL_MAP' },
    plan: { type: 'EXIT_PLAN', optional: true, description: 'From an Exit Selector; none = full model' },
  },
  outputs: { image: { type: 'IMAGE' } },
  params: {
    type: 'object',
    properties: {
      pack: { type: 'string', minLength: 1, default: 'landscape', description: 'Model pack: a name in the packs folders (models/packs, EXITGRAPH_PACKS); the CLI also takes a folder path' },
      escalate_margin: { type: 'number', minimum: 0, default: 0, description: 'Continue to the next exit when predicted distance > tau - margin' },
    },
  },
  run: async (ctx, inputs, params: GeneratorParams) => {
    const runners = ctx.services.get(PACK_RUNNERS);
    const runner = await runners.runner(params.pack, ctx.device);
    const { manifest, costs } = runner.pack;
    if (manifest.input.kind !== 'label_map') throw new Error(`pack ${manifest.name} takes ${manifest.input.kind} inputs, not label maps`);
    const plan: ExitPlan | undefined = inputs.plan;
    const last = manifest.exits.length - 1;
    let exit = plan ? runner.exitIndex(plan.exit) : last;
    const run = runner.begin(inputs.label_map, { signal: ctx.signal });
    try {
      ctx.progress(0, exit + 1);
      let result = await run.toExit(exit);
      const escalations: string[] = [];
      while (exit < last && shouldEscalate(plan, exit, params.escalate_margin)) {
        ctx.signal.throwIfAborted();
        exit += 1;
        escalations.push(manifest.exits[exit]!.name);
        result = await run.escalate(exit);
      }
      runners.recordLatency(runner, exit, result.wallMs);
      // The audit runs after the chosen output is ready; its MACs are this input's too.
      const audit = plan?.audit?.due && plan.stream !== undefined ? await auditRun(ctx.services, run, result, plan.stream, plan.audit) : undefined;
      ctx.progress(exit + 1, exit + 1);
      if (plan) ctx.services.get(ROUTER_STREAMS).observe(plan, { macs: run.macs, ...(escalations.length || audit ? {} : { latencyMs: result.wallMs }) });
      const full = costs.full;
      ctx.ui({
        exit,
        exit_name: manifest.exits[exit]!.name,
        macs: run.macs,
        saved: 1 - run.macs / full,
        device: run.device,
        ...(plan ? { reason: plan.reason } : { reason: 'no plan: full model' }),
        // For the editor's HUD: exit shown of how many, the planned one, and the plan's promise.
        exits: manifest.exits.length,
        full_macs: full,
        ...(plan ? { planned_exit: plan.exit, planned_exit_name: plan.exitName } : {}),
        ...(plan?.promise ? { promise: plan.promise } : {}),
        ...(escalations.length ? { escalated_to: escalations } : {}),
        ...(plan?.audit ? { audit: audit ? { audited_input: true, ...audit } : { audited_input: false, ...plan.audit.figures } } : {}),
      });
      return { image: result.image };
    } finally {
      run.dispose();
    }
  },
});

/** The cheap check: is this exit's predicted distance too close to the router's tau to trust? */
function shouldEscalate(plan: ExitPlan | undefined, exit: number, margin: number): boolean {
  if (!plan || margin <= 0) return false;
  const predicted = plan.predicted?.[exit];
  if (plan.tau === undefined || predicted === undefined) return false;
  return predicted > plan.tau - margin;
}
