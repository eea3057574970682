import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHost, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

let box: TestHost;
beforeAll(async () => {
  box = await createTestHost({ builtins: builtinPacks });
});
afterAll(() => box.close());

async function value(graph: Record<string, unknown>, target: string): Promise<unknown> {
  const run = await box.run(graph, { targets: [target] });
  expect(run.problems).toEqual([]);
  expect(run.error).toBeUndefined();
  return run.values.get(target)!.value;
}

describe('primitives', () => {
  it('Number, String and Boolean output their value, or their defaults', async () => {
    expect(await value({ '1': { class_type: 'exitgraph/Number', inputs: { value: 2.5 } } }, '1')).toBe(2.5);
    expect(await value({ '1': { class_type: 'exitgraph/Number' } }, '1')).toBe(0);
    expect(await value({ '1': { class_type: 'exitgraph/String', inputs: { value: 'hi' } } }, '1')).toBe('hi');
    expect(await value({ '1': { class_type: 'exitgraph/String' } }, '1')).toBe('');
    expect(await value({ '1': { class_type: 'exitgraph/Boolean', inputs: { value: true } } }, '1')).toBe(true);
    expect(await value({ '1': { class_type: 'exitgraph/Boolean' } }, '1')).toBe(false);
  });

  it('refuse values of the wrong type', async () => {
    const run = await box.run({
      '1': { class_type: 'exitgraph/Number', inputs: { value: '3' } },
      '2': { class_type: 'exitgraph/String', inputs: { value: 3 } },
      '3': { class_type: 'exitgraph/Boolean', inputs: { value: 'yes' } },
    });
    expect(run.problems.map((p) => [p.kind, p.nodeId, p.field, p.message])).toEqual([
      ['invalid_param', '1', 'value', 'param "value" must be number'],
      ['invalid_param', '2', 'value', 'param "value" must be string'],
      ['invalid_param', '3', 'value', 'param "value" must be boolean'],
    ]);
  });
});

describe('Math', () => {
  const math = (operation: string | undefined, a: unknown = 6, b: unknown = 3) => ({
    '1': { class_type: 'exitgraph/Number', inputs: { value: a } },
    '2': { class_type: 'exitgraph/Number', inputs: { value: b } },
    '3': { class_type: 'exitgraph/Math', inputs: { a: ['1', 0], b: ['2', 0], ...(operation ? { operation } : {}) } },
  });

  it.each([
    ['add', 9],
    ['subtract', 3],
    ['multiply', 18],
    ['divide', 2],
    ['min', 3],
    ['max', 6],
  ])('%s', async (operation, expected) => {
    expect(await value(math(operation), '3')).toBe(expected);
  });

  it('adds by default, takes literals on its inputs, and chains', async () => {
    expect(await value(math(undefined), '3')).toBe(9);
    expect(await value({ '1': { class_type: 'exitgraph/Math', inputs: { a: 1.5, b: 2, operation: 'multiply' } } }, '1')).toBe(3);
    const chained = {
      ...math('subtract', 10, 4),
      '4': { class_type: 'exitgraph/Math', inputs: { a: ['3', 0], b: 0.5, operation: 'divide' } },
    };
    expect(await value(chained, '4')).toBe(12);
  });

  it('follows IEEE arithmetic for division by zero', async () => {
    expect(await value(math('divide', 1, 0), '3')).toBe(Infinity);
  });

  it('refuses an unknown operation and non-number inputs before running', async () => {
    const run = await box.run({
      '1': { class_type: 'exitgraph/String', inputs: { value: 'x' } },
      '2': { class_type: 'exitgraph/Math', inputs: { a: ['1', 0], b: 'two', operation: 'power' } },
    });
    expect(run.problems.map((p) => [p.kind, p.nodeId, p.field])).toEqual([
      ['type_mismatch', '2', 'a'],
      ['type_mismatch', '2', 'b'],
      ['invalid_param', '2', 'operation'],
    ]);
    expect(run.problems[2]!.message).toBe('param "operation" must be equal to one of the allowed values: "add", "subtract", "multiply", "divide", "min", "max"');
  });
});
