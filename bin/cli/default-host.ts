import { builtinPacks } from '../../nodes/index.js';
import { createHost, type Host, type HostOptions } from '../../sdk/index.js';

/** A host with the early-exit layer and the built-in nodes, plugins from config and options, and installed plugin packages. */
export function createDefaultHost(options: Omit<HostOptions, 'builtins'> = {}): Promise<Host> {
  // EXITGRAPH_PLUGIN_TIMEOUT_MS: how long a plugin may take to import (default 10 s).
  const timeout = Number(process.env.EXITGRAPH_PLUGIN_TIMEOUT_MS);
  return createHost({ config: true, discover: true, ...(timeout > 0 ? { pluginTimeoutMs: timeout } : {}), ...options, builtins: builtinPacks });
}
