import type { PortDescription } from '../ports/port-description.js';
import type { InputSpec, OutputSpec } from './define-node.js';
import type { RegisteredNode } from './node-registry.js';

/**
 * `{ router: ['risk', 'conformal'] }`: holds when every named param has one of the listed values
 * (the `x-visible-when` / `x-hidden-when` annotations of a param).
 */
export type ParamCondition = Readonly<Record<string, readonly unknown[]>>;

/** One param's JSON Schema, with the keywords the editor and the docs read typed. */
export interface ParamSchema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly multipleOf?: number;
  readonly title?: string;
  readonly description?: string;
  readonly format?: string;
  /** A widget other than the one the type implies (`image-file`, `label-map-painter`). */
  readonly 'x-widget'?: string;
  /** Values worth offering for a free-form string (router names). */
  readonly 'x-suggestions'?: readonly string[];
  /** Shown only while the condition holds. */
  readonly 'x-visible-when'?: ParamCondition;
  /** Hidden while the condition holds. */
  readonly 'x-hidden-when'?: ParamCondition;
  readonly [keyword: string]: unknown;
}

/** A node's params as JSON Schema: an object whose properties are the params. */
export interface ParamsDescription {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, ParamSchema>>;
  readonly required?: readonly string[];
}

/**
 * A node type as plain JSON: what `exitgraph nodes --json` prints and `/api/nodes` serves (the
 * editor builds its palette and widgets from it).
 */
export interface NodeDescription {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly category: string;
  readonly description: string;
  readonly inputs: Readonly<Record<string, InputSpec>>;
  readonly outputs: Readonly<Record<string, OutputSpec>>;
  readonly params: ParamsDescription;
  /** An output node (save, preview): what a run executes. */
  readonly output: boolean;
  readonly cacheable: boolean;
  /** The pack it came from. */
  readonly origin: string;
  readonly builtin: boolean;
}

/** What `/api/nodes` serves: every node type and every port type a host knows. */
export interface NodeCatalog {
  readonly nodes: readonly NodeDescription[];
  readonly ports: readonly PortDescription[];
}

export function describeNode({ definition, origin, builtin }: RegisteredNode): NodeDescription {
  return {
    id: definition.id,
    version: definition.version,
    title: definition.title,
    category: definition.category,
    description: definition.description,
    inputs: definition.inputs,
    outputs: definition.outputs,
    // The typed keywords (type, minimum, ...) are JSON Schema's own, with its types: ajv refuses
    // a schema where they differ the first time it compiles it. The cast only names them.
    params: definition.params as ParamsDescription,
    output: definition.output === true,
    cacheable: definition.cacheable !== false,
    origin,
    builtin,
  };
}
