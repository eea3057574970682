import { Ajv } from 'ajv';

/**
 * The ajv that compiles params schemas (nodes', routers'): defaults filled in, every error
 * reported, and no check of each schema against the JSON Schema meta-schema at compile time.
 * That check compiles the meta-schema itself first, about 45 ms per ajv instance, which was a
 * twentieth of a one-shot CLI run. Schemas are checked once instead, where they come from:
 * `ParamsSchemaCheck` when a plugin registers a definition, and the test suite for the built-ins.
 */
export function paramsAjv(): Ajv {
  return new Ajv({ useDefaults: true, allErrors: true, strict: false, validateSchema: false });
}

/** Checks params schemas against the JSON Schema meta-schema (the ajv it needs is made on first use). */
export class ParamsSchemaCheck {
  #ajv: Ajv | undefined;

  /** What is wrong with `schema` as a JSON Schema, one line per problem; empty when nothing is. */
  problems(schema: object): string[] {
    this.#ajv ??= new Ajv({ strict: false });
    if (this.#ajv.validateSchema(schema) === true) return [];
    return (this.#ajv.errors ?? []).map((e) => `${e.instancePath || '(schema)'} ${e.message ?? 'is invalid'}`);
  }
}
