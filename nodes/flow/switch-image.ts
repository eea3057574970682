import { defineNode } from '../../sdk/index.js';

export const switchImage = defineNode({
  id: 'exitgraph/SwitchImage',
  version: 1,
  title: 'Switch Image',
  category: 'flow',
  description: 'Passes on_true or on_false depending on the condition. Only the chosen branch runs.',
  inputs: {
    condition: { type: 'BOOLEAN' },
    on_true: { type: 'IMAGE', lazy: true },
    on_false: { type: 'IMAGE', lazy: true },
  },
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: {} },
  run: async (_ctx, inputs) => ({ image: await (inputs.condition ? inputs.on_true() : inputs.on_false()) }),
});
