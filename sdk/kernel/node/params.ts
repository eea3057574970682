import type { ErrorObject, ValidateFunction } from 'ajv';
import { paramsAjv } from './params-schema.js';
import type { AnyNodeDefinition, Params } from './define-node.js';

/** One problem with a node's params, by param name. */
export interface ParamProblem {
  readonly param: string;
  readonly message: string;
}

/**
 * Validates params against a node's JSON Schema and fills in defaults (ajv `useDefaults`).
 * Unknown params are errors: a misspelt name silently ignored would run with the default.
 */
export class ParamsValidator {
  readonly #ajv = paramsAjv();
  readonly #compiled = new WeakMap<AnyNodeDefinition, ValidateFunction>();

  check(definition: AnyNodeDefinition, params: Params): { params: Params; problems: ParamProblem[] } {
    const copy = structuredClone(params) as Record<string, unknown>;
    const problems: ParamProblem[] = [];
    for (const name of Object.keys(copy)) {
      // Own properties only: a param named `toString` or `constructor` is unknown, not inherited.
      if (!Object.hasOwn(definition.params.properties, name)) {
        const known = Object.keys(definition.params.properties);
        problems.push({ param: name, message: `unknown param "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}` });
        delete copy[name];
      }
    }
    const validate = this.#validatorFor(definition);
    if (!validate(copy)) problems.push(...(validate.errors ?? []).map(describe));
    return { params: copy, problems };
  }

  #validatorFor(definition: AnyNodeDefinition): ValidateFunction {
    let validate = this.#compiled.get(definition);
    if (!validate) {
      validate = this.#ajv.compile({ ...definition.params, additionalProperties: true });
      this.#compiled.set(definition, validate);
    }
    return validate;
  }
}

function describe(error: ErrorObject): ParamProblem {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'required') {
    const name = (error.params as { missingProperty: string }).missingProperty;
    return { param: name, message: `missing required param "${name}"` };
  }
  const param = path || '(params)';
  const allowed = error.keyword === 'enum' ? `: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return { param, message: `param "${param}" ${error.message ?? 'is invalid'}${allowed}` };
}
