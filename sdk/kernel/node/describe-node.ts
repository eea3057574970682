import type { RegisteredNode } from './node-registry.js';

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
  readonly inputs: unknown;
  readonly outputs: unknown;
  readonly params: unknown;
  /** An output node (save, preview): what a run executes. */
  readonly output: boolean;
  readonly cacheable: boolean;
  /** The pack it came from. */
  readonly origin: string;
  readonly builtin: boolean;
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
    params: definition.params,
    output: definition.output === true,
    cacheable: definition.cacheable !== false,
    origin,
    builtin,
  };
}
