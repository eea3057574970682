import { defineRouter, planFor } from '../define-router.js';

export const fixedRouter = defineRouter<{ exit: number }>({
  id: 'exitgraph/fixed',
  title: 'Fixed exit',
  description: 'Always the same exit (0 = earliest; -1 = the full model).',
  usesPrediction: false,
  params: { type: 'object', properties: { exit: { type: 'integer', default: 0, description: 'Exit index (0 = earliest; negative counts from the end: -1 = full model)' } } },
  route: ({ difficulty }, { exit }) => {
    const count = difficulty.exits.length;
    const index = exit < 0 ? count + exit : exit;
    if (index < 0 || index >= count) throw new Error(`fixed router: exit ${exit} does not exist (the pack has ${count} exits)`);
    return planFor(difficulty, index, `fixed exit ${index}`);
  },
});
