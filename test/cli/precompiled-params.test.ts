/**
 * The build precompiles the params validators of every built-in node and router (the CLI then
 * checks params without loading ajv): each must behave exactly as ajv compiling the schema at
 * run time (same verdict, same errors, same defaults filled in).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinParamsSchemas } from '../../bin/cli/build/precompile-params.js';
import { paramsAjv, PRECOMPILED_PARAMS_FILE } from '../../sdk/kernel/node/params-schemas.js';
import { ensureBuilt, root } from './cli-harness.js';

interface PropertySchema {
  type?: string | string[];
  enum?: unknown[];
}

/** Params worth comparing on: none (defaults), and each property given a value of the wrong type or outside its enum. */
function samples(schema: { properties?: Record<string, PropertySchema> }): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{}];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const types = [property.type ?? []].flat();
    out.push({ [name]: types.includes('string') ? 12 : 'not a number' });
    out.push({ [name]: null });
    if (property.enum) out.push({ [name]: '__not_in_enum__' });
  }
  return out;
}

describe('precompiled params validators', () => {
  let table: Record<string, ValidateFunction>;
  beforeAll(() => {
    ensureBuilt();
    table = createRequire(import.meta.url)(join(root, 'dist', 'sdk', 'kernel', 'node', PRECOMPILED_PARAMS_FILE)) as Record<string, ValidateFunction>;
  });

  it('cover every built-in node and router params schema, and agree with ajv on each', () => {
    const schemas = builtinParamsSchemas();
    expect(schemas.size).toBeGreaterThan(10);
    const ajv = paramsAjv();
    for (const [key, schema] of schemas) {
      const precompiled = table[key];
      expect(precompiled, `precompiled validator for ${JSON.stringify(schema).slice(0, 80)}`).toBeTypeOf('function');
      const compiled = ajv.compile(schema);
      for (const params of samples(schema as { properties?: Record<string, PropertySchema> })) {
        const [a, b] = [structuredClone(params), structuredClone(params)];
        const verdict = precompiled!(a);
        expect(verdict).toBe(compiled(b));
        expect(a).toEqual(b);
        expect(precompiled!.errors ?? null).toEqual(compiled.errors ?? null);
      }
    }
  });
});
