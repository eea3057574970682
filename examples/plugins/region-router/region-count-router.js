// @ts-check
import { defineNode } from 'exitgraph';
import { planFor } from 'exitgraph/early-exit';
import { countRegions } from './regions.js';

/**
 * A router NODE: it sees the label map itself, which a plain router does not. Scenes with up to
 * `easy_regions` regions take the exit the predictor suggests at a relaxed threshold; busier scenes
 * must pass the strict one; scenes with more than `hard_regions` go straight to the full model.
 */
export const regionCountRouter = defineNode({
  id: 'regions/RegionCountRouter',
  version: 1,
  title: 'Region Count Router',
  category: 'early-exit/routers',
  description: 'Picks an exit from the number of connected regions in the label map together with the predicted distances.',
  inputs: { label_map: { type: 'LABEL_MAP' }, difficulty: { type: 'DIFFICULTY' } },
  outputs: { plan: { type: 'EXIT_PLAN' } },
  params: {
    type: 'object',
    properties: {
      easy_regions: { type: 'integer', minimum: 1, default: 8, description: 'At most this many regions: use the relaxed threshold' },
      hard_regions: { type: 'integer', minimum: 1, default: 60, description: 'More than this many regions: full model' },
      relaxed_tau: { type: 'number', minimum: 0, default: 0.15 },
      strict_tau: { type: 'number', minimum: 0, default: 0.08 },
    },
  },
  /**
   * @param {import('exitgraph').NodeContext} ctx
   * @param {{ label_map: import('exitgraph').LabelMap, difficulty: import('exitgraph/early-exit').Difficulty }} inputs
   * @param {{ easy_regions: number, hard_regions: number, relaxed_tau: number, strict_tau: number }} params
   */
  run: (ctx, inputs, params) => {
    const { difficulty } = inputs;
    const { count } = countRegions(inputs.label_map);
    const last = difficulty.exits.length - 1;
    let plan;
    if (count > params.hard_regions) {
      plan = planFor(difficulty, last, `${count} regions > ${params.hard_regions}: full model`);
    } else {
      const tau = count <= params.easy_regions ? params.relaxed_tau : params.strict_tau;
      const exit = difficulty.exits.findIndex((e, k) => k < last && e.predicted <= tau);
      const chosen = difficulty.exits[exit];
      plan = chosen
        ? planFor(difficulty, exit, `${count} regions: predicted ${chosen.predicted.toFixed(3)} <= ${tau}`)
        : planFor(difficulty, last, `${count} regions: no exit predicted <= ${tau}`);
    }
    ctx.ui({ regions: count, exit: plan.exit, reason: plan.reason });
    return { plan: { ...plan, details: { ...plan.details, regions: count } } };
  },
});
