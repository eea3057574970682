import type { AnyNodeDefinition } from '../node/define-node.js';
import type { PortType } from '../ports/port-type.js';
import type { PackExtension } from './pack-extension.js';

/**
 * What a plugin module exports (as its default export): a named set of node types, the port
 * types they introduce, and contributions to extension points (the early-exit layer's
 * `routers`, for one). Plain data, so two copies of the SDK in one process still agree.
 */
export interface NodePack {
  /** Shown in reports and error messages; usually the npm package name. */
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly nodes: readonly AnyNodeDefinition[];
  readonly portTypes?: readonly PortType[];
  /** Extension points this pack introduces (fields that later packs may fill). */
  readonly extensions?: readonly PackExtension[];
  /**
   * Contributions to extension points, by field. Layers type theirs by declaration merging
   * (`interface NodePack { routers?: ... }`); a field no loaded extension claims is an error.
   */
  readonly [field: string]: unknown;
}

export function definePack(pack: NodePack): NodePack {
  if (typeof pack.name !== 'string' || !pack.name) throw new Error('a node pack needs a name');
  if (!Array.isArray(pack.nodes)) throw new Error(`node pack ${pack.name}: "nodes" must be an array of node definitions`);
  return Object.freeze({ ...pack });
}
