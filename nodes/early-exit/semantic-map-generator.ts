import { defineNode } from '../../sdk/index.js';
import { PACK_RUNNERS, ROUTER_STREAMS, auditRun, type ExitPlan, type ExitResult, type PackRun } from '../../sdk/early-exit/index.js';

interface GeneratorParams {
  pack: string;
  /** Escalate while the exit's predicted distance is within this margin of tau (0: never). */
  escalate_margin: number;
  /** Send each exit passed on the way to the output as a preview image, cheapest first. */
  previews: boolean;
}

export const semanticMapGenerator = defineNode({
  id: 'exitgraph/SemanticMapGenerator',
  version: 1,
  title: 'Semantic Map Generator',
  category: 'early-exit',
  description:
    "Renders an image from a label map with an early-exit model pack. With an exit plan it stops at the planned exit (running only the segments that exit needs); without one it runs the full model. With escalate_margin > 0, an exit whose predicted distance is within the margin of the router's tau continues to the next exit, reusing the segments already computed. On an input the plan's audit picks, it also runs the full model (reusing segments), measures the output's true distance to the full output and reports it to the selector's stream; the output stays the chosen exit's, and the audit's MACs count in the saving. With previews on, it renders the cheapest exit first and escalates exit by exit (reusing segments) to the planned one, sending each exit's image as a live preview (with `exitgraph.preview` saying which exit of which planned), so a client sees a first image at the cost of exit 0; the extra heads' MACs count in the saving.",
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
      previews: { type: 'boolean', default: false, description: 'Live previews: show the cheapest exit at once, then each exit on the way to the planned one (costs the extra exit heads)' },
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
    const planned = exit;
    const run = runner.begin(inputs.label_map, { signal: ctx.signal });
    // What each preview shows: the exit, the one the plan asked for, how many there are.
    const preview = (result: ExitResult, final: boolean) =>
      ctx.preview(result.image, { exit: result.index, exit_name: result.exit, planned, planned_name: manifest.exits[planned]!.name, of: manifest.exits.length, final });
    try {
      ctx.progress(0, exit + 1);
      let result = params.previews ? await previewedRun(run, exit, preview, (done) => ctx.progress(done, exit + 1)) : await run.toExit(exit);
      const escalations: string[] = [];
      while (exit < last && shouldEscalate(plan, exit, params.escalate_margin)) {
        ctx.signal.throwIfAborted();
        exit += 1;
        escalations.push(manifest.exits[exit]!.name);
        result = await run.escalate(exit);
      }
      if (params.previews) preview(result, true);
      // A previewed run's time is spread over several exits: it says nothing of one exit's latency.
      const timed = !params.previews && !escalations.length;
      if (timed) runners.recordLatency(runner, exit, result.wallMs);
      // The audit runs after the chosen output is ready; its MACs are this input's too.
      const audit = plan?.audit?.due && plan.stream !== undefined ? await auditRun(ctx.services, run, result, plan.stream, plan.audit) : undefined;
      ctx.progress(exit + 1, exit + 1);
      if (plan) ctx.services.get(ROUTER_STREAMS).observe(plan, { macs: run.macs, ...(!timed || audit ? {} : { latencyMs: result.wallMs }) });
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
        // Runs of other nodes that waited for the same exit at the same time shared this one's session run.
        ...(result.batch ? { batch: result.batch } : {}),
        ...(plan?.audit ? { audit: audit ? { audited_input: true, ...audit } : { audited_input: false, ...plan.audit.figures } } : {}),
      });
      return { image: result.image };
    } finally {
      run.dispose();
    }
  },
});

/**
 * Exit 0 at once, then each next exit up to `target`, reusing the segments computed: every exit
 * before the target goes out as a preview as soon as it is ready (the target is the output).
 */
async function previewedRun(run: PackRun, target: number, preview: (result: ExitResult, final: boolean) => void, progress: (done: number) => void): Promise<ExitResult> {
  let result = await run.toExit(0);
  for (let k = 1; k <= target; k++) {
    preview(result, false);
    progress(k);
    result = await run.escalate(k);
  }
  return result;
}

/** The cheap check: is this exit's predicted distance too close to the router's tau to trust? */
function shouldEscalate(plan: ExitPlan | undefined, exit: number, margin: number): boolean {
  if (!plan || margin <= 0) return false;
  const predicted = plan.predicted?.[exit];
  if (plan.tau === undefined || predicted === undefined) return false;
  return predicted > plan.tau - margin;
}
