// @ts-check
import { defineRouter, planFor } from 'exitgraph/early-exit';

/**
 * A plain ROUTER, picked by id in ExitSelector (router: "regions/cautious"): the threshold rule
 * with a safety margin that grows with the predictor's disagreement between neighbouring exits.
 */
export const cautiousRouter = defineRouter({
  id: 'regions/cautious',
  title: 'Cautious threshold',
  description: 'Earliest exit predicted <= tau - margin, where the margin is the jump in predicted distance to the next exit times `caution`.',
  params: {
    type: 'object',
    properties: {
      tau: { type: 'number', minimum: 0, default: 0.1 },
      caution: { type: 'number', minimum: 0, maximum: 1, default: 0.5 },
    },
  },
  /**
   * @param {import('exitgraph/early-exit').RouteRequest} request
   * @param {{ tau: number, caution: number }} params
   */
  route: ({ difficulty }, { tau, caution }) => {
    const exits = difficulty.exits;
    const last = exits.length - 1;
    for (let k = 0; k < last; k++) {
      const here = exits[k];
      const next = exits[k + 1];
      if (!here || !next) break; // k < last: both exist
      const margin = caution * Math.max(0, here.predicted - next.predicted);
      if (here.predicted <= tau - margin) return planFor(difficulty, k, `predicted ${here.predicted.toFixed(3)} <= ${tau} - margin ${margin.toFixed(3)}`);
    }
    return planFor(difficulty, last, 'no exit passes the cautious threshold');
  },
});
