/**
 * Params schemas (node params, router params) compiled into validators that fill in defaults
 * and report every error.
 *
 * Loading ajv, compiling JSON Schema's meta-schema and then each schema costs a CLI run about
 * 0.2 s, for schemas that never change between runs. So `npm run build` writes
 * `precompiled-params.cjs` beside this module's compiled file: ajv's standalone code for the
 * params schema of every built-in node and router, by a hash of the schema's JSON. A schema found
 * there is used as is (the build compiled it with these very options, meta-schema check
 * included); any other schema (a plugin's, or every schema when running from source) is compiled
 * by ajv on first use, ajv being loaded only then.
 */
// The editor client's type check (no Node types) reaches this file through the node registry's
// types, though the client never runs it: there, these two modules have no declarations.
// @ts-ignore
import { createHash } from 'node:crypto';
// @ts-ignore
import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';

/** The options every params schema is compiled with (precompiled ones included). */
export const PARAMS_AJV_OPTIONS = { useDefaults: true, allErrors: true, strict: false } as const satisfies Options;

/** File name of the precompiled validators, beside this module. */
export const PRECOMPILED_PARAMS_FILE = 'precompiled-params.cjs';

const require = createRequire(import.meta.url) as (id: string) => unknown;

/** The key of a schema in the precompiled table: a hash of its JSON (an identifier, for ajv's standalone exports). */
export function paramsSchemaKey(schema: object): string {
  return `v${(createHash('sha256').update(JSON.stringify(schema)).digest('hex') as string).slice(0, 40)}`;
}

/** An ajv instance with the params options (`extra` for the build's `code: { source: true }`). */
export function paramsAjv(extra: Options = {}): Ajv {
  const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
  return new AjvClass({ ...PARAMS_AJV_OPTIONS, ...extra });
}

type PrecompiledTable = Readonly<Record<string, ValidateFunction>>;

/** The build's table, or undefined where there is none (running from source). */
function loadPrecompiled(): PrecompiledTable | undefined {
  try {
    return require(`./${PRECOMPILED_PARAMS_FILE}`) as PrecompiledTable;
  } catch (error) {
    // Absent: compile with ajv. Present but broken is a broken build, and says so.
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(PRECOMPILED_PARAMS_FILE)) return undefined;
    throw error;
  }
}

/** One host's params compiler: precompiled validators where the build made them, else one ajv instance (its meta-schema compiled once). */
export class ParamsSchemas {
  #ajv: Ajv | undefined;
  #precompiled: PrecompiledTable | undefined | null = null;

  /** `precompiled: false` compiles every schema with ajv (to compare the two). */
  constructor(private readonly options: { precompiled?: boolean } = {}) {}

  compile(schema: object): ValidateFunction {
    if (this.#precompiled === null) this.#precompiled = this.options.precompiled === false ? undefined : loadPrecompiled();
    const ready = this.#precompiled?.[paramsSchemaKey(schema)];
    if (ready) return ready;
    this.#ajv ??= paramsAjv();
    return this.#ajv.compile(schema);
  }
}
