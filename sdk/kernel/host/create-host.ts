import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OutputCache } from '../engine/output-cache.js';
import { NodeRegistry } from '../node/node-registry.js';
import type { NodePack } from '../plugins/node-pack.js';
import type { HostServices } from './host-services.js';
import { discoverPluginPackages, loadPlugins, registerPack, type PluginReport } from '../plugins/load-plugins.js';

export interface HostOptions {
  /** Plugin folders, module files or npm package names to load. */
  readonly plugins?: readonly string[];
  /** Also load installed npm packages with an `exitgraph` field from `<cwd>/node_modules`. */
  readonly discover?: boolean;
  /** Also read `exitgraph.config.json` (`{ "plugins": [...] }`) from `cwd`. */
  readonly config?: boolean;
  readonly cwd?: string;
  /** Packs to register as built-in, in order (the CLI and server pass the early-exit layer and exitgraph's own nodes). */
  readonly builtins?: readonly NodePack[];
  readonly cacheEntries?: number;
  /** How long each plugin may take to import, in ms (default 10 s); past it, it is reported as failed. */
  readonly pluginTimeoutMs?: number;
  /** Bytes the output cache may hold (default `DEFAULT_CACHE_BYTES`, 512 MiB). */
  readonly cacheBytes?: number;
}

/**
 * One registry, its services and one output cache: what the CLI, the server and tests run graphs
 * against. A host owns all of its state; two hosts in one process share nothing.
 */
export interface Host {
  readonly registry: NodeRegistry;
  /** The registry's services (router registries, model sessions), as nodes see them in `ctx.services`. */
  readonly services: HostServices;
  readonly cache: OutputCache;
  readonly plugins: PluginReport;
  /** Releases what the host's services hold (model sessions) and empties its cache. */
  close(): Promise<void>;
}

export const CONFIG_FILE = 'exitgraph.config.json';

export async function createHost(options: HostOptions = {}): Promise<Host> {
  const cwd = options.cwd ?? process.cwd();
  const registry = new NodeRegistry();
  for (const pack of options.builtins ?? []) registerPack(pack, registry, true);
  const sources = [...(options.config ? await configuredPlugins(cwd) : []), ...(options.plugins ?? []), ...(options.discover ? await discoverPluginPackages(cwd) : [])];
  const plugins = await loadPlugins([...new Set(sources)], registry, { cwd, ...(options.pluginTimeoutMs === undefined ? {} : { importTimeoutMs: options.pluginTimeoutMs }) });
  const cache = new OutputCache({ ...(options.cacheEntries === undefined ? {} : { maxEntries: options.cacheEntries }), ...(options.cacheBytes === undefined ? {} : { maxBytes: options.cacheBytes }) });
  return {
    registry,
    services: registry.services,
    cache,
    plugins,
    close: async () => {
      cache.clear();
      await registry.services.dispose();
    },
  };
}

async function configuredPlugins(cwd: string): Promise<string[]> {
  const file = join(cwd, CONFIG_FILE);
  if (!existsSync(file)) return [];
  let config: { plugins?: unknown };
  try {
    config = JSON.parse(await readFile(file, 'utf8')) as { plugins?: unknown };
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (config.plugins !== undefined && (!Array.isArray(config.plugins) || !config.plugins.every((p) => typeof p === 'string'))) {
    throw new Error(`${file}: "plugins" must be an array of folder paths or package names`);
  }
  return (config.plugins as string[] | undefined) ?? [];
}
