import { defineNode } from '../../sdk/index.js';

export const booleanPrimitive = defineNode({
  id: 'exitgraph/Boolean',
  version: 1,
  title: 'Boolean',
  category: 'primitives',
  description: 'A constant true or false.',
  inputs: {},
  outputs: { value: { type: 'BOOLEAN' } },
  params: { type: 'object', properties: { value: { type: 'boolean', default: false } } },
  run: (_ctx, _inputs, params: { value: boolean }) => ({ value: params.value }),
});
