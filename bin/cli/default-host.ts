import { builtinPacks } from '../../nodes/index.js';
import { createHost, type Host, type HostOptions } from '../../sdk/index.js';

/** A host with the early-exit layer and the built-in nodes, plugins from config and options, and installed plugin packages. */
export function createDefaultHost(options: Omit<HostOptions, 'builtins'> = {}): Promise<Host> {
  return createHost({ config: true, discover: true, ...options, builtins: builtinPacks });
}
