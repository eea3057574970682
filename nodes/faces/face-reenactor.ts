import { defineNode, type Image, type NodeContext } from '../../sdk/index.js';
import {
  BUILTIN_ROUTERS,
  PACK_RUNNERS,
  PackNotFoundError,
  framesFromImages,
  mapFrames,
  packInputs,
  routerParamsSchema,
  type ExitPlan,
  type FrameErrorPolicy,
  type FrameSequence,
  type PackInputSpec,
  type PackRunner,
} from '../../sdk/early-exit/index.js';
import { framePlanner, type FramePlanner } from './frame-router.js';

interface ReenactorParams {
  pack: string;
  on_frame_error: FrameErrorPolicy;
  router: string;
  [routerParam: string]: unknown;
}

/** The router params every face node takes (the Exit Selector's routers; default: the full model). */
export const faceRouting = routerParamsSchema(BUILTIN_ROUTERS, 'full');

/** The face pack param every face node takes. */
export const facePackParam = { type: 'string', minLength: 1, default: 'faces', description: 'Face model pack: a name in the packs folders (models/packs, EXITGRAPH_PACKS); the CLI also takes a folder path' } as const;

export const faceReenactor = defineNode({
  id: 'exitgraph/FaceReenactor',
  version: 1,
  title: 'Face Reenactor',
  category: 'faces',
  description:
    "Drives a source portrait with the expression and pose of a driving portrait (face cross-reenactment) using an early-exit face pack. The source's appearance encoding is computed once and reused for every driving frame. Give driving (one image) or driving_frames (a sequence, streamed frame by frame). Each input is routed to an exit by the router in the params (the same routers as the Exit Selector; deadline and budget treat the frames as their stream), or by a linked plan (then every frame takes the plan's exit). A frame that fails (wrong size, no usable face) is skipped and reported by the node saving the frames, or fails the run (on_frame_error). With frames, image is the first frame's result.",
  inputs: {
    source: { type: 'IMAGE', description: 'The identity to keep' },
    driving: { type: 'IMAGE', optional: true, description: 'Expression and pose to follow (one image)' },
    driving_frames: { type: 'FRAMES', optional: true, description: 'Expression and pose to follow, frame by frame' },
    plan: { type: 'EXIT_PLAN', optional: true, description: 'From an Exit Selector: the exit for every input (else the router below picks per input)' },
  },
  outputs: { image: { type: 'IMAGE' }, frames: { type: 'FRAMES' } },
  params: {
    type: 'object',
    properties: {
      pack: facePackParam,
      on_frame_error: { enum: ['skip', 'fail'], default: 'skip', description: 'A driving frame that fails: skip it and report it, or fail the run' },
      ...faceRouting.properties,
    },
  },
  // Router streams (deadline, budget) remember earlier inputs, and frames are computed when pulled.
  cacheable: false,
  run: async (ctx, inputs, params: ReenactorParams) => {
    const drivingImage: Image | undefined = inputs.driving;
    const drivingFrames: FrameSequence | undefined = inputs.driving_frames;
    if (!drivingImage === !drivingFrames) throw new Error(drivingImage ? 'connect driving or driving_frames, not both' : 'connect driving (an image) or driving_frames (a frame sequence)');
    const runner = await openFacePack(ctx, params.pack, 'Face Reenactor');
    const reenact = reenactor(ctx, runner, inputs.source, inputs.plan, params);
    if (drivingImage) {
      const result = await reenact(drivingImage, ctx.signal);
      ctx.ui(reenactedReport(result, runner));
      return { image: result.image, frames: framesFromImages('Face Reenactor output', [result.image]) };
    }
    const step = {
      node: ctx.nodeId,
      label: 'Face Reenactor',
      onError: params.on_frame_error,
      // Each frame says which exit made it, so a sink can sum up the sequence's cost.
      map: async (frame: { image: Image }, signal: AbortSignal | undefined) => {
        const result = await reenact(frame.image, signal);
        return { image: result.image, cost: { exit: result.plan.exitName, macsShare: result.macs / runner.pack.costs.full } };
      },
    };
    const frames = mapFrames(drivingFrames!, { ...step, progress: (done, total) => ctx.progress(done, total ?? done) });
    // The image output: the first frame's result, from a pass of its own (no progress reported).
    const first = await firstImage(mapFrames(drivingFrames!, step), ctx.signal);
    ctx.preview(first);
    ctx.ui({ frames: drivingFrames!.count ?? null, router: params.router, device: runner.device.device, stage_macs: runner.pack.costs.stage_macs });
    return { image: first, frames };
  },
});

/**
 * The face pack's runner; a pack that is not installed, or not a two-image pack, is a clear error
 * (naming the node that needs it: `title`).
 */
export async function openFacePack(ctx: NodeContext, pack: string, title: string): Promise<PackRunner> {
  let runner: PackRunner;
  try {
    runner = await ctx.services.get(PACK_RUNNERS).runner(pack, ctx.device);
  } catch (error) {
    if (error instanceof PackNotFoundError) {
      throw new Error(`${title} needs the "${pack}" model pack, which is not installed: ${error.message}. Build it (npm run models:faces) or set the pack param`, { cause: error });
    }
    throw error;
  }
  const images = packInputs(runner.pack.manifest);
  if (images.length !== 2 || images.some((i) => i.kind !== 'image')) {
    throw new Error(`pack ${runner.pack.manifest.name} is not a face reenactment pack: it takes ${images.map((i) => `${i.name} (${i.kind})`).join(', ')}, not a source and a driving image`);
  }
  return runner;
}

/** A face pack's source and driving inputs (by name, else in the manifest's order). */
export function faceInputs(runner: PackRunner): { readonly source: PackInputSpec; readonly driving: PackInputSpec } {
  const specs = packInputs(runner.pack.manifest);
  const source = specs.find((s) => s.name === 'source') ?? specs[0]!;
  const driving = specs.find((s) => s.name === 'driving') ?? specs.find((s) => s !== source)!;
  return { source, driving };
}

export interface Reenacted {
  readonly image: Image;
  readonly plan: ExitPlan;
  readonly macs: number;
  readonly stageMacs: number;
}

/**
 * One driving image -> the source showing it, at the exit its plan picks: the `fixed` plan, else
 * the router named in `routerParams` (one stream per node and router params).
 */
export function reenactor(ctx: NodeContext, runner: PackRunner, source: Image, fixed: ExitPlan | undefined, routerParams: Readonly<Record<string, unknown>>): (driving: Image, signal: AbortSignal | undefined) => Promise<Reenacted> {
  const inputs = faceInputs(runner);
  const sourceName = inputs.source.name;
  const drivingName = inputs.driving.name;
  const planner: FramePlanner | undefined = fixed ? undefined : framePlanner(ctx, runner, routerParams);
  return async (driving, signal) => {
    const run = runner.begin({ [sourceName]: source, [drivingName]: driving }, signal ? { signal } : {});
    try {
      const routed = planner ? await planner.plan(run) : undefined;
      const plan = routed?.plan ?? fixed!;
      const exit = runner.exitIndex(plan.exit);
      const result = await run.toExit(exit);
      planner?.observe(plan, exit, run.macs, result.wallMs);
      return { image: result.image, plan, macs: run.macs, stageMacs: run.stageMacs };
    } finally {
      run.dispose();
    }
  };
}

/** What a node shows for one reenacted image: the exit taken, why, and what it cost. */
export function reenactedReport(result: Reenacted, runner: PackRunner): Record<string, unknown> {
  return { exit: result.plan.exit, exit_name: result.plan.exitName, reason: result.plan.reason, macs: result.macs, stage_macs: result.stageMacs, saved: 1 - result.macs / runner.pack.costs.full, device: runner.device.device };
}

/** The first frame a sequence yields (a pass that stops there); a sequence of skipped frames only is an error. */
async function firstImage(frames: FrameSequence, signal: AbortSignal): Promise<Image> {
  const skips: string[] = [];
  for await (const item of frames.frames(signal)) {
    if ('image' in item) return item.image;
    skips.push(`frame ${item.index} (${item.name}): ${item.skipped}`);
  }
  throw new Error(skips.length ? `no driving frame could be reenacted (${skips.slice(0, 3).join('; ')}${skips.length > 3 ? `; and ${skips.length - 3} more` : ''})` : 'the driving sequence has no frames');
}
