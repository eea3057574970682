import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NodePack } from '../plugins/node-pack.js';
import { createHost, type Host, type HostOptions } from './create-host.js';

/** Root of the exitgraph package (the folder holding package.json), from source or from dist/. */
export function packageRoot(): string {
  // sdk/host/*.ts in the source tree, dist/sdk/host/*.js once compiled.
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url));
}

/**
 * exitgraph's own node pack (nodes/), loaded by path rather than imported, so the SDK depends
 * on nothing in nodes/ and the built-ins go through the same door as any plugin.
 */
export async function loadBuiltinPack(): Promise<NodePack> {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? '../../nodes/index.ts' : '../../nodes/index.js', import.meta.url);
  const module = (await import(pathToFileURL(fileURLToPath(entry)).href)) as { default: NodePack };
  return module.default;
}

/** A host with the built-in nodes, plugins from config and options, and installed plugin packages. */
export async function createDefaultHost(options: Omit<HostOptions, 'builtins'> = {}): Promise<Host> {
  return createHost({ config: true, discover: true, ...options, builtins: [await loadBuiltinPack()] });
}
