import { defineNode } from '../../sdk/index.js';

export const numberPrimitive = defineNode({
  id: 'exitgraph/Number',
  version: 1,
  title: 'Number',
  category: 'primitives',
  description: 'A constant number, to feed several nodes from one widget.',
  inputs: {},
  outputs: { value: { type: 'NUMBER' } },
  params: { type: 'object', properties: { value: { type: 'number', default: 0 } } },
  run: (_ctx, _inputs, params: { value: number }) => ({ value: params.value }),
});
