import { defineRouter, planFor } from '../define-router.js';

export const fullRouter = defineRouter<Record<string, never>>({
  id: 'exitgraph/full',
  title: 'Full model',
  description: 'Always the full model (the last exit): the quality reference.',
  usesPrediction: false,
  params: { type: 'object', properties: {} },
  route: ({ difficulty }) => planFor(difficulty, difficulty.exits.length - 1, 'full model'),
});
