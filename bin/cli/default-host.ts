import { PACK_RUNNERS } from '../../sdk/early-exit/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { createHost, type Host, type HostOptions } from '../../sdk/index.js';

/** A host with the early-exit layer and the built-in nodes, plugins from config and options, and installed plugin packages. */
export function createDefaultHost(options: Omit<HostOptions, 'builtins'> = {}): Promise<Host> {
  // EXITGRAPH_PLUGIN_TIMEOUT_MS: how long a plugin may take to import (default 10 s).
  const timeout = Number(process.env.EXITGRAPH_PLUGIN_TIMEOUT_MS);
  return createHost({ config: true, discover: true, ...(timeout > 0 ? { pluginTimeoutMs: timeout } : {}), ...options, builtins: builtinPacks });
}

/** Local use: a graph run from the command line may name a pack by folder path too (the server accepts pack names only). */
export function allowLocalPackPaths(host: Host): void {
  host.services.get(PACK_RUNNERS).allowPackPaths(true);
}
