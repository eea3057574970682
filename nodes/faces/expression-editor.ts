import { defineNode, imageFromBytes, type Image } from '../../sdk/index.js';
import { DRIVER_IDENTITY } from './driver-identity.js';
import { faceInputs, facePackParam, faceRouting, openFacePack, reenactedReport, reenactor } from './face-reenactor.js';
import { EXPRESSION_PARAMS, EXPRESSION_RANGES, renderPortrait, type ExpressionParam, type PortraitExpression } from './portrait-render.js';

/** What each slider does, as the faces pack's renderer draws it. */
const SLIDERS: Record<ExpressionParam, string> = {
  mouth_open: 'Mouth opening: 0 closed, 1 wide open (teeth show past about 0.25)',
  smile: 'Mouth corners: up (a smile) for positive values, down for negative',
  brow_raise: 'Brows: raised for positive values, lowered for negative',
  blink: 'Eyelids: 0 open, 1 closed',
  gaze_x: 'Gaze: to the picture\'s right for positive values, left for negative',
  gaze_y: 'Gaze: down for positive values, up for negative',
  yaw: 'Head turn about the vertical axis, in radians',
  pitch: 'Head nod (up and down), in radians',
  roll: 'Head tilt in the picture plane, in radians',
  shift_x: 'Head position, left-right, in half-widths of the picture',
  shift_y: 'Head position, up-down, in half-heights of the picture',
};

const sliderParams = Object.fromEntries(
  EXPRESSION_PARAMS.map((name) => {
    const [minimum, maximum] = EXPRESSION_RANGES[name];
    return [name, { type: 'number', minimum, maximum, default: 0, description: SLIDERS[name] }];
  }),
);

interface ExpressionEditorParams extends Record<ExpressionParam, number> {
  pack: string;
  router: string;
  [routerParam: string]: unknown;
}

export const expressionEditor = defineNode({
  id: 'exitgraph/ExpressionEditor',
  version: 1,
  title: 'Expression Editor',
  category: 'faces',
  description:
    "Gives a source portrait the expression and pose set by sliders (mouth, smile, brows, blink, gaze, head yaw/pitch/roll and position), using an early-exit face pack. The face pack takes its motion from a driving picture, not from numbers, so the node draws a driving portrait of a fixed, plain face showing the sliders (with the renderer the pack was trained on) and reenacts the source with it, as Face Reenactor does. The driving output is that drawn portrait. The router in the params picks the exit, as in Face Reenactor.",
  inputs: {
    source: { type: 'IMAGE', description: 'The identity to keep' },
  },
  outputs: {
    image: { type: 'IMAGE' },
    driving: { type: 'IMAGE' },
  },
  params: {
    type: 'object',
    properties: {
      ...sliderParams,
      pack: facePackParam,
      ...faceRouting.properties,
    },
  },
  // Router streams (deadline, budget) remember earlier inputs, as in Face Reenactor.
  cacheable: false,
  run: async (ctx, inputs, params: ExpressionEditorParams) => {
    const runner = await openFacePack(ctx, params.pack, 'Expression Editor');
    const { driving: spec } = faceInputs(runner);
    if (spec.kind !== 'image' || spec.width !== spec.height) {
      throw new Error(`pack ${runner.pack.manifest.name}: its driving input ${spec.name} must be a square image for drawn portraits, got ${spec.kind === 'image' ? `${spec.width}x${spec.height}` : spec.kind}`);
    }
    const expression = Object.fromEntries(EXPRESSION_PARAMS.map((name) => [name, params[name]])) as PortraitExpression;
    const driving: Image = imageFromBytes(renderPortrait(DRIVER_IDENTITY, expression, spec.width), spec.width, spec.height, 3);
    const result = await reenactor(ctx, runner, inputs.source, undefined, params)(driving, ctx.signal);
    ctx.ui(reenactedReport(result, runner));
    return { image: result.image, driving };
  },
});
