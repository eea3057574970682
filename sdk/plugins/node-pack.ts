import type { AnyNodeDefinition } from '../node/define-node.js';
import type { PortType } from '../ports/port-type.js';
import type { AnyRouterDefinition } from '../routers/define-router.js';

/**
 * What a plugin module exports (as its default export): a named set of node types, and any port
 * types they introduce. Plain data, so two copies of the SDK in one process still agree.
 */
export interface NodePack {
  /** Shown in reports and error messages; usually the npm package name. */
  readonly name: string;
  readonly version?: string;
  readonly nodes: readonly AnyNodeDefinition[];
  readonly portTypes?: readonly PortType[];
  /** Routers ExitSelector can pick by id (see defineRouter). */
  readonly routers?: readonly AnyRouterDefinition[];
  /** Extension points added by later SDK modules (e.g. routers) read their own keys. */
  readonly [extension: string]: unknown;
}

export function definePack(pack: NodePack): NodePack {
  if (typeof pack.name !== 'string' || !pack.name) throw new Error('a node pack needs a name');
  if (!Array.isArray(pack.nodes)) throw new Error(`node pack ${pack.name}: "nodes" must be an array of node definitions`);
  return Object.freeze({ ...pack });
}
