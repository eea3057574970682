import { describe, expect, it } from 'vitest';
import type { ParamSchema } from '../../sdk/kernel/browser.js';
import { controllingParams, isParamShown } from '../../editor/client/param-visibility.js';

const properties: Record<string, ParamSchema> = {
  router: { type: 'string', default: 'threshold' },
  mode: { type: 'string', enum: ['fast', 'exact'], default: 'fast' },
  tau: { type: 'number', 'x-visible-when': { router: ['threshold', 'risk'] } },
  delta: { type: 'number', 'x-visible-when': { router: ['risk'], mode: ['exact'] } },
  extra: { type: 'object', 'x-hidden-when': { router: ['threshold', 'risk'] } },
  plain: { type: 'number' },
};
const shown = (params: Record<string, unknown>) => Object.keys(properties).filter((name) => isParamShown(properties[name]!, params, properties));

describe('param visibility annotations', () => {
  it('shows x-visible-when params only while every named param has a listed value', () => {
    expect(shown({ router: 'risk', mode: 'exact' })).toEqual(['router', 'mode', 'tau', 'delta', 'plain']);
    expect(shown({ router: 'risk', mode: 'fast' })).toEqual(['router', 'mode', 'tau', 'plain']);
  });

  it('hides x-hidden-when params while the condition holds', () => {
    expect(shown({ router: 'mypack/region' })).toEqual(['router', 'mode', 'extra', 'plain']);
  });

  it('reads a param that is not set as its default', () => {
    expect(shown({})).toEqual(['router', 'mode', 'tau', 'plain']);
  });

  it('compares values exactly (no string coercion)', () => {
    const numeric: Record<string, ParamSchema> = { exit: { type: 'integer' }, only: { 'x-visible-when': { exit: [1] } } };
    expect(isParamShown(numeric.only!, { exit: 1 }, numeric)).toBe(true);
    expect(isParamShown(numeric.only!, { exit: '1' }, numeric)).toBe(false);
  });

  it('names the params whose widgets decide what shows', () => {
    expect([...controllingParams(properties)].sort()).toEqual(['mode', 'router']);
  });
});
