import type { ErrorObject, ValidateFunction } from 'ajv';
import { defineService } from '../host/host-services.js';
import type { AnyNodeDefinition, Params } from './define-node.js';
import { ParamsSchemas } from './params-schemas.js';

/**
 * The host's params compiler, shared by node params and whatever else checks params (router
 * params): precompiled validators where the build made them, else one ajv instance, whose
 * meta-schema (about 60 ms to compile) one host then compiles once.
 */
export const PARAMS_SCHEMAS = defineService('exitgraph/params-schemas', () => new ParamsSchemas());

/** The schema a node's params are checked against (unknown names are reported separately, by `check`). */
export function nodeParamsSchema(definition: AnyNodeDefinition): object {
  return { ...definition.params, additionalProperties: true };
}

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
  #schemas: ParamsSchemas | undefined;
  readonly #compiled = new WeakMap<AnyNodeDefinition, ValidateFunction>();

  /** `schemas` is asked for on the first check (default: a compiler of this validator's own). */
  constructor(private readonly schemas: () => ParamsSchemas = () => new ParamsSchemas()) {}

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
      this.#schemas ??= this.schemas();
      validate = this.#schemas.compile(nodeParamsSchema(definition));
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
