import { defineNode } from '../../sdk/index.js';

const OPERATIONS = {
  add: (a: number, b: number) => a + b,
  subtract: (a: number, b: number) => a - b,
  multiply: (a: number, b: number) => a * b,
  divide: (a: number, b: number) => a / b,
  min: Math.min,
  max: Math.max,
} as const;

export const mathOperation = defineNode({
  id: 'exitgraph/Math',
  version: 1,
  title: 'Math',
  category: 'primitives',
  description: 'Combines two numbers: add, subtract, multiply, divide, min or max.',
  inputs: { a: { type: 'NUMBER' }, b: { type: 'NUMBER' } },
  outputs: { value: { type: 'NUMBER' } },
  params: { type: 'object', properties: { operation: { type: 'string', enum: Object.keys(OPERATIONS), default: 'add' } } },
  run: (_ctx, inputs, params: { operation: keyof typeof OPERATIONS }) => ({ value: OPERATIONS[params.operation](inputs.a, inputs.b) }),
});
