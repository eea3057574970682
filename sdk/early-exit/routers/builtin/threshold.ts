import { defineRouter, planFor } from '../define-router.js';

export const thresholdRouter = defineRouter<{ tau: number }>({
  id: 'exitgraph/threshold',
  title: 'Threshold',
  description: 'The earliest exit whose predicted distance to the full output is <= tau; the full model when none is.',
  params: { type: 'object', properties: { tau: { type: 'number', minimum: 0, maximum: 1, default: 0.1, description: 'Quality threshold: largest allowed distance (LPIPS) to the full output' } } },
  route: ({ difficulty }, { tau }) => {
    const last = difficulty.exits.length - 1;
    const exit = difficulty.exits.findIndex((e, k) => k < last && e.predicted <= tau);
    return exit >= 0
      ? planFor(difficulty, exit, `predicted ${difficulty.exits[exit]!.predicted.toFixed(3)} <= tau ${tau}`)
      : planFor(difficulty, last, `no early exit predicted <= tau ${tau}`);
  },
});
