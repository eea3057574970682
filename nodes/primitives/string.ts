import { defineNode } from '../../sdk/index.js';

export const stringPrimitive = defineNode({
  id: 'exitgraph/String',
  version: 1,
  title: 'String',
  category: 'primitives',
  description: 'A constant text.',
  inputs: {},
  outputs: { value: { type: 'STRING' } },
  params: { type: 'object', properties: { value: { type: 'string', default: '' } } },
  run: (_ctx, _inputs, params: { value: string }) => ({ value: params.value }),
});
