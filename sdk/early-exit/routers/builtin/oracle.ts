import { defineRouter, planFor } from '../define-router.js';

export const oracleRouter = defineRouter<{ tau: number }>({
  id: 'exitgraph/oracle',
  title: 'Oracle (evaluation)',
  description: 'The earliest exit whose TRUE distance to the full output is <= tau. Needs every exit computed and measured: evaluation only, the ceiling any router can reach.',
  usesPrediction: false,
  params: { type: 'object', properties: { tau: { type: 'number', minimum: 0, maximum: 1, default: 0.1, description: 'Quality threshold: largest allowed distance (LPIPS) to the full output' } } },
  evaluationOnly: true,
  route: ({ difficulty, measured }, { tau }) => {
    if (!measured) throw new Error('the oracle router needs measured distances: it is for evaluation (exitgraph eval), not for graphs');
    const last = difficulty.exits.length - 1;
    const exit = measured.findIndex((d, k) => k === last || d <= tau);
    return { ...planFor(difficulty, exit, `measured ${measured[exit]!.toFixed(3)} <= tau ${tau}`), expectedDistance: measured[exit]! };
  },
});
