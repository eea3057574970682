import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NodeRegistry } from '../node/node-registry.js';
import type { NodePack } from './node-pack.js';
import { exposeSdkToPlugins } from './sdk-resolver.js';
import { exitgraphCacheDir, writeCacheFile } from '../host/cache-dir.js';

export interface LoadedPack {
  readonly name: string;
  readonly source: string;
  readonly nodes: readonly string[];
  readonly pack: NodePack;
}

export interface FailedPack {
  readonly name: string;
  readonly source: string;
  readonly error: string;
}

export interface PluginReport {
  readonly loaded: LoadedPack[];
  readonly failed: FailedPack[];
}

/** The `exitgraph` field of a plugin's package.json: the entry module, or `{ "nodes": entry }`. */
type PackageField = string | { nodes?: string };

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exitgraph?: PackageField;
}

/**
 * Loads node packs into the registry. A source is a folder (with a package.json whose `exitgraph`
 * field names the entry, or an index.js), a module file, or an installed npm package name.
 * A pack that fails to load or register is reported by name and skipped; the rest still load.
 * A pack registers all of its nodes or none.
 */
export async function loadPlugins(sources: readonly string[], registry: NodeRegistry, options: { cwd?: string; importTimeoutMs?: number } = {}): Promise<PluginReport> {
  const timeoutMs = options.importTimeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS;
  // Registering the resolver starts Node's loader-hooks thread, through which every later import
  // then goes (measured: about 0.2 s of a CLI run): only worth it when there is a plugin to load.
  if (sources.length) exposeSdkToPlugins();
  const report: PluginReport = { loaded: [], failed: [] };
  for (const source of sources) {
    let name = source;
    try {
      const entry = await resolveEntry(source, options.cwd ?? process.cwd());
      name = entry.name;
      const module = (await importWithin(pathToFileURL(entry.file).href, timeoutMs, entry.name)) as { default?: unknown };
      const pack = asPack(module.default, entry.name);
      name = pack.name;
      registerPack(pack, registry);
      report.loaded.push({ name: pack.name, source, nodes: pack.nodes.map((n) => n.id), pack });
    } catch (error) {
      report.failed.push({ name, source, error: (error as Error).message });
    }
  }
  return report;
}

/** How long a plugin module may take to import (its top-level code, awaits included). */
export const DEFAULT_PLUGIN_TIMEOUT_MS = 10_000;

/** Imports a module, failing clearly when it has not settled within `timeoutMs`. */
async function importWithin(url: string, timeoutMs: number, name: string): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`importing ${name} did not finish within ${timeoutMs / 1000} s (does its top-level code await something that never settles?)`)), timeoutMs);
  });
  try {
    return await Promise.race([import(url), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Adds a pack's port types, nodes and extension contributions; on any problem nothing of it stays. */
export function registerPack(pack: NodePack, registry: NodeRegistry, builtin = false): void {
  registry.addPack(pack, builtin);
}

function asPack(value: unknown, fallbackName: string): NodePack {
  const pack = value as NodePack | undefined;
  if (!pack || typeof pack !== 'object' || !Array.isArray(pack.nodes)) {
    throw new Error(`${fallbackName}: the module's default export must be a node pack (definePack({ name, nodes }))`);
  }
  return pack;
}

async function resolveEntry(source: string, cwd: string): Promise<{ file: string; name: string }> {
  const path = resolve(cwd, source);
  if (existsSync(path)) {
    if ((await stat(path)).isFile()) return { file: path, name: source };
    const pkg = await readPackageJson(join(path, 'package.json'));
    const field = pkg?.exitgraph;
    const relative = (typeof field === 'string' ? field : field?.nodes) ?? pkg?.main ?? 'index.js';
    const file = join(path, relative);
    if (!existsSync(file)) throw new Error(`${source}: entry module ${relative} not found`);
    return { file, name: pkg?.name ?? source };
  }
  // Not a path: an installed npm package.
  const require = createRequire(join(cwd, 'noop.js'));
  let manifest: string;
  try {
    manifest = require.resolve(`${source}/package.json`);
  } catch {
    throw new Error(`${source}: no such folder or installed package`);
  }
  return resolveEntry(resolve(manifest, '..'), cwd).then((entry) => ({ ...entry, name: source }));
}

async function readPackageJson(file: string): Promise<PackageJson | undefined> {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PackageJson;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Installed npm packages (under `<dir>/node_modules`) whose package.json has an `exitgraph`
 * field. Finding them reads every installed package.json (hundreds in a project, about a
 * twentieth of a one-shot CLI run), so the answer is kept in exitgraph's cache folder under the
 * state of the install: the modification times of node_modules, of each @scope folder in it and
 * of npm's node_modules/.package-lock.json (npm rewrites it on every install, link and removal).
 * `EXITGRAPH_PLUGIN_CACHE=0` always scans.
 */
export async function discoverPluginPackages(dir: string): Promise<string[]> {
  const root = resolve(dir, 'node_modules');
  if (!existsSync(root)) return [];
  const entries = await readdir(root);
  const file = process.env.EXITGRAPH_PLUGIN_CACHE === '0' ? undefined : await discoveryCacheFile(root, entries);
  if (file) {
    const cached = await readFile(file, 'utf8').then((text) => JSON.parse(text) as unknown, () => undefined);
    if (Array.isArray(cached) && cached.every((name) => typeof name === 'string')) return cached as string[];
  }
  // Read concurrently: every CLI command that loads nodes waits for this.
  const names = (await Promise.all(entries.map(async (entry) => (entry.startsWith('@') ? (await readdir(join(root, entry))).map((n) => `${entry}/${n}`) : [entry])))).flat();
  const fields = await Promise.all(names.map((name) => readPackageJson(join(root, name, 'package.json')).then((pkg) => pkg?.exitgraph, () => undefined)));
  const found = names.filter((_, i) => fields[i] !== undefined).sort();
  if (file) await writeCacheFile(file, JSON.stringify(found));
  return found;
}

/** The cache file for node_modules in its current state (see discoverPluginPackages). */
async function discoveryCacheFile(root: string, entries: readonly string[]): Promise<string> {
  const stamp = async (path: string): Promise<string> => stat(path).then((s) => `${s.mtimeMs}:${s.size}`, () => '-');
  const stamps = await Promise.all([root, join(root, '.package-lock.json'), ...entries.filter((e) => e.startsWith('@')).map((e) => join(root, e))].map(stamp));
  const key = createHash('sha256').update(JSON.stringify({ format: 1, root, stamps })).digest('hex');
  return join(exitgraphCacheDir(), 'plugins', `${key.slice(0, 40)}.json`);
}
