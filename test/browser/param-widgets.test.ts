import { describe, expect, it } from 'vitest';
import { numberOptions } from '../../editor/client/param-widgets.js';

describe('number widget options from the schema', () => {
  it('steps a 0..1 threshold by 0.01 and shows two decimals', () => {
    expect(numberOptions({ type: 'number', minimum: 0, maximum: 1, default: 0.1 }, 'number', 0.1)).toEqual({ min: 0, max: 1, step2: 0.01, precision: 2 });
  });

  it('takes step and decimals from multipleOf', () => {
    expect(numberOptions({ type: 'number', multipleOf: 0.25, default: 1 }, 'number', 1)).toEqual({ step2: 0.25, precision: 2 });
  });

  it("keeps the default's decimals, and one for large numbers", () => {
    expect(numberOptions({ type: 'number', default: 2.125 }, 'number', 2.125).precision).toBe(3);
    expect(numberOptions({ type: 'number', exclusiveMinimum: 0, default: 50 }, 'number', 50)).toEqual({ min: 0.1, step2: 0.1, precision: 1 });
  });

  it('keeps exclusive bounds one step inside, integers by 1', () => {
    expect(numberOptions({ type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.1 }, 'number', 0.1)).toEqual({ min: 0.01, max: 1, step2: 0.01, precision: 2 });
    expect(numberOptions({ type: 'integer', minimum: 1, maximum: 8 }, 'integer', 1)).toEqual({ min: 1, max: 8, step2: 1, precision: 0 });
  });
});
