import type { PortValue } from '../ports/port-values.js';
import type { NodeContext } from './node-context.js';

/** An input port. */
export interface InputSpec {
  readonly type: string;
  readonly description?: string;
  /** The node runs without it; `run` sees `undefined`. */
  readonly optional?: boolean;
  /**
   * The upstream node runs only if `run` asks for the value: `run` receives a function returning
   * a promise of it. Switches and routers use this so that only the branch they pick runs.
   */
  readonly lazy?: boolean;
}

/** An output port. Output order (for API-format links `[nodeId, index]`) is declaration order. */
export interface OutputSpec {
  readonly type: string;
  readonly description?: string;
}

/** JSON Schema of a node's params: an object schema whose properties are the params. */
export interface ParamsSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly required?: readonly string[];
  readonly [keyword: string]: unknown;
}

export type InputSpecs = Readonly<Record<string, InputSpec>>;
export type OutputSpecs = Readonly<Record<string, OutputSpec>>;

type InputValue<S extends InputSpec> = S['lazy'] extends true
  ? () => Promise<PortValue<S['type']> | (S['optional'] extends true ? undefined : never)>
  : PortValue<S['type']> | (S['optional'] extends true ? undefined : never);

/** The `inputs` argument of `run`, typed from the input specs. */
export type InputValues<I extends InputSpecs> = { readonly [K in keyof I]: InputValue<I[K]> };

/** What `run` returns, typed from the output specs. */
export type OutputValues<O extends OutputSpecs> = { [K in keyof O]: PortValue<O[K]['type']> };

export type Params = Readonly<Record<string, unknown>>;

export interface NodeDefinition<
  I extends InputSpecs = InputSpecs,
  O extends OutputSpecs = OutputSpecs,
  P extends object = Params,
> {
  /** Namespaced type id, `namespace/Name` (e.g. `exitgraph/LoadImage`). Never positional. */
  readonly id: string;
  /** Integer version; bump it when inputs, outputs, params or results change meaning. */
  readonly version: number;
  /** Display name in the editor. */
  readonly title: string;
  /** Palette path, e.g. `image/transform`. */
  readonly category: string;
  readonly description: string;
  readonly inputs: I;
  readonly outputs: O;
  readonly params: ParamsSchema;
  /** Output nodes (save, preview) are what a run executes; everything else is pulled by them. */
  readonly output?: boolean;
  /**
   * Outputs may be reused across runs when type, version, params and upstream keys match.
   * Set false for non-deterministic nodes.
   */
  readonly cacheable?: boolean;
  /**
   * Extra cache-key material for state outside the graph (a file's contents, a model's
   * version). Called before the node would run.
   */
  readonly fingerprint?: (params: P, ctx: Pick<NodeContext, 'workspace' | 'services'>) => string | Promise<string>;
  readonly run: (ctx: NodeContext, inputs: InputValues<I>, params: P) => OutputValues<O> | Promise<OutputValues<O>>;
}

/** A node definition with its type parameters erased, as registries and engines hold them. */
export type AnyNodeDefinition = Omit<NodeDefinition<any, any, any>, 'inputs' | 'outputs'> & {
  readonly inputs: InputSpecs;
  readonly outputs: OutputSpecs;
};

const ID_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*\/[A-Za-z][A-Za-z0-9_]*$/;
const PORT_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Declares a node type. Checks the definition's shape at once so that a plugin author sees a
 * mistake when the pack loads, not when a graph first uses the node.
 */
export function defineNode<const I extends InputSpecs, const O extends OutputSpecs, P extends object = Params>(
  definition: NodeDefinition<I, O, P>,
): NodeDefinition<I, O, P> {
  const where = `node ${JSON.stringify(definition.id)}`;
  if (typeof definition.id !== 'string' || !ID_PATTERN.test(definition.id)) {
    throw new Error(`${where}: id must be "namespace/Name" (lower-case namespace, e.g. "mypack/Blur")`);
  }
  if (!Number.isInteger(definition.version) || definition.version < 1) {
    throw new Error(`${where}: version must be a positive integer`);
  }
  if (typeof definition.run !== 'function') throw new Error(`${where}: run must be a function`);
  if (definition.params?.type !== 'object' || typeof definition.params.properties !== 'object') {
    throw new Error(`${where}: params must be a JSON Schema with type "object" and properties`);
  }
  const names = new Set<string>();
  for (const [kind, ports] of [['input', definition.inputs], ['output', definition.outputs]] as const) {
    for (const [name, spec] of Object.entries(ports ?? {})) {
      if (!PORT_NAME.test(name)) throw new Error(`${where}: ${kind} name "${name}" must be snake_case`);
      if (typeof spec?.type !== 'string') throw new Error(`${where}: ${kind} "${name}" needs a type`);
      if (kind === 'input') names.add(name);
    }
  }
  for (const name of Object.keys(definition.params.properties)) {
    if (names.has(name)) throw new Error(`${where}: "${name}" is both an input and a param`);
  }
  return Object.freeze({ ...definition });
}
