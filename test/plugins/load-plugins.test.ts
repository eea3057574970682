import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIG_FILE,
  NodeRegistry,
  createHost,
  defineNode,
  definePack,
  definePortType,
  discoverPluginPackages,
  loadPlugins,
  packageRoot,
  parseApiPrompt,
  registerPack,
  runGraph,
  validateGraph,
  type NodePack,
  type PluginReport,
} from '../../sdk/index.js';
import { builtinNodes, builtinPacks } from '../../nodes/index.js';

const root = packageRoot();
const fixtures = join(root, 'test', 'fixtures', 'plugins');
const fixture = (name: string) => join(fixtures, name);

let builtins: NodePack;
beforeAll(async () => {
  builtins = builtinNodes;
});

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'exitgraph-plugins-'));
  temps.push(dir);
  return dir;
}

/** A temp project whose node_modules holds the npm-style fixture packages. */
function projectWithPackages(): string {
  const dir = tempDir();
  cpSync(fixture('npm-package'), join(dir, 'node_modules', 'exitgraph-npm-demo'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@acme', 'scoped-pack'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', '@acme', 'scoped-pack', 'package.json'), JSON.stringify({ name: '@acme/scoped-pack', type: 'module', exitgraph: { nodes: 'pack.js' } }));
  writeFileSync(
    join(dir, 'node_modules', '@acme', 'scoped-pack', 'pack.js'),
    `export default { name: '@acme/scoped-pack', nodes: [{ id: 'acme/One', version: 1, title: 'One', category: 'test', description: '', inputs: {}, outputs: { value: { type: 'NUMBER' } }, params: { type: 'object', properties: {} }, run: () => ({ value: 1 }) }] };\n`,
  );
  // An ordinary dependency: no "exitgraph" field, so not a plugin.
  mkdirSync(join(dir, 'node_modules', 'left-pad'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'left-pad', 'package.json'), JSON.stringify({ name: 'left-pad', main: 'index.js' }));
  return dir;
}

async function runValue(registry: NodeRegistry, prompt: Record<string, unknown>, target: string): Promise<unknown> {
  const result = validateGraph(parseApiPrompt(prompt).graph, registry);
  expect(result.problems).toEqual([]);
  const run = await runGraph(result.graph!, { targets: [target] });
  expect(run.error).toBeUndefined();
  return Object.values(run.values.get(target)!)[0];
}

const failedNames = (report: PluginReport) => report.failed.map((f) => f.name);

describe('loading node packs', () => {
  it('loads a folder whose package.json "exitgraph" field names the entry, and its nodes run', async () => {
    const registry = new NodeRegistry();
    const report = await loadPlugins([fixture('folder-pack')], registry);
    expect(report.failed).toEqual([]);
    expect(report.loaded.map((p) => [p.name, p.nodes])).toEqual([['exitgraph-folder-pack', ['folder/Double']]]);
    expect(registry.resolve('folder/Double')!.origin).toBe('exitgraph-folder-pack');
    for (const pack of builtinPacks) registerPack(pack, registry, true);
    const value = await runValue(registry, { '1': { class_type: 'exitgraph/Number', inputs: { value: 21 } }, '2': { class_type: 'folder/Double', inputs: { value: ['1', 0] } } }, '2');
    expect(value).toBe(42);
  });

  it('accepts "exitgraph": { "nodes": entry } in package.json', async () => {
    const registry = new NodeRegistry();
    const report = await loadPlugins([fixture('object-field-pack')], registry);
    expect(report.loaded.map((p) => [p.name, p.nodes])).toEqual([['exitgraph-object-field-pack', ['objfield/Negate']]]);
    expect(await runValue(registry, { '1': { class_type: 'objfield/Negate', inputs: { value: 5 } } }, '1')).toBe(-5);
  });

  it('loads a single module file, with the port types it brings', async () => {
    const registry = new NodeRegistry();
    const report = await loadPlugins([relative(root, fixture('module-pack.js'))], registry, { cwd: root });
    expect(report.failed).toEqual([]);
    expect(report.loaded[0]!.nodes).toEqual(['modpack/MakeColor', 'modpack/DescribeColor']);
    expect(registry.ports.get('COLOR')!.accepts).toEqual(['STRING']);
    const value = await runValue(
      registry,
      { '1': { class_type: 'modpack/MakeColor', inputs: { hex: '#00ff00' } }, '2': { class_type: 'modpack/DescribeColor', inputs: { color: ['1', 0] } } },
      '2',
    );
    expect(value).toBe('colour #00ff00');
  });

  it('resolves relative sources against the given cwd', async () => {
    const report = await loadPlugins(['folder-pack'], new NodeRegistry(), { cwd: fixtures });
    expect(report.loaded.map((p) => p.name)).toEqual(['exitgraph-folder-pack']);
  });

  it('discovers installed npm packages with an "exitgraph" field (scoped too), and only those', async () => {
    const dir = projectWithPackages();
    expect(await discoverPluginPackages(dir)).toEqual(['@acme/scoped-pack', 'exitgraph-npm-demo']);
    expect(await discoverPluginPackages(tempDir())).toEqual([]);

    const host = await createHost({ cwd: dir, discover: true, builtins: builtinPacks });
    expect(host.plugins.failed).toEqual([]);
    expect(host.plugins.loaded.map((p) => [p.name, p.nodes])).toEqual([
      ['@acme/scoped-pack', ['acme/One']],
      ['exitgraph-npm-demo', ['npmdemo/Square']],
    ]);
    expect(host.registry.resolve('npmdemo/Square')!.origin).toBe('exitgraph-npm-demo');
    expect(host.registry.resolve('exitgraph/LoadImage')!.builtin).toBe(true);
    const value = await runValue(
      host.registry,
      { '1': { class_type: 'exitgraph/Number', inputs: { value: 9 } }, '2': { class_type: 'npmdemo/Square', inputs: { value: ['1', 0] } } },
      '2',
    );
    expect(value).toBe(81);
  });

  it('keeps what it discovered until the install changes: a package added, removed, or added in a scope', async () => {
    const dir = projectWithPackages();
    const cache = tempDir();
    const before = process.env.EXITGRAPH_CACHE_DIR;
    process.env.EXITGRAPH_CACHE_DIR = cache;
    try {
      expect(await discoverPluginPackages(dir)).toEqual(['@acme/scoped-pack', 'exitgraph-npm-demo']);
      expect(readdirSync(join(cache, 'plugins')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
      // The same answer from the cache file (a different answer in it is believed: it is what is read).
      const [file] = readdirSync(join(cache, 'plugins'));
      writeFileSync(join(cache, 'plugins', file!), JSON.stringify(['from-the-cache']));
      expect(await discoverPluginPackages(dir)).toEqual(['from-the-cache']);
      const plugin = (name: string) => JSON.stringify({ name, type: 'module', exitgraph: { nodes: 'pack.js' } });
      const touch = (path: string) => utimesSync(path, new Date(), new Date(Date.now() + 5_000));
      // Installing a package changes node_modules: scanned again.
      mkdirSync(join(dir, 'node_modules', 'exitgraph-more'));
      writeFileSync(join(dir, 'node_modules', 'exitgraph-more', 'package.json'), plugin('exitgraph-more'));
      touch(join(dir, 'node_modules'));
      expect(await discoverPluginPackages(dir)).toEqual(['@acme/scoped-pack', 'exitgraph-more', 'exitgraph-npm-demo']);
      // A package added inside a scope changes only the scope's folder.
      mkdirSync(join(dir, 'node_modules', '@acme', 'second'));
      writeFileSync(join(dir, 'node_modules', '@acme', 'second', 'package.json'), plugin('@acme/second'));
      touch(join(dir, 'node_modules', '@acme'));
      expect(await discoverPluginPackages(dir)).toEqual(['@acme/scoped-pack', '@acme/second', 'exitgraph-more', 'exitgraph-npm-demo']);
      // npm rewrites node_modules/.package-lock.json on every install: a changed one scans again.
      rmSync(join(dir, 'node_modules', 'exitgraph-more'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', '.package-lock.json'), '{}');
      expect(await discoverPluginPackages(dir)).toEqual(['@acme/scoped-pack', '@acme/second', 'exitgraph-npm-demo']);
      process.env.EXITGRAPH_PLUGIN_CACHE = '0';
      mkdirSync(join(dir, 'node_modules', 'exitgraph-uncached'));
      writeFileSync(join(dir, 'node_modules', 'exitgraph-uncached', 'package.json'), plugin('exitgraph-uncached'));
      expect(await discoverPluginPackages(dir)).toContain('exitgraph-uncached');
    } finally {
      delete process.env.EXITGRAPH_PLUGIN_CACHE;
      if (before === undefined) delete process.env.EXITGRAPH_CACHE_DIR;
      else process.env.EXITGRAPH_CACHE_DIR = before;
    }
  });

  it('loads an installed package by name, and reports names that are neither folders nor packages', async () => {
    const dir = projectWithPackages();
    const report = await loadPlugins(['exitgraph-npm-demo', 'not-installed-anywhere'], new NodeRegistry(), { cwd: dir });
    expect(report.loaded.map((p) => p.name)).toEqual(['exitgraph-npm-demo']);
    expect(report.failed).toEqual([{ name: 'not-installed-anywhere', source: 'not-installed-anywhere', error: 'not-installed-anywhere: no such folder or installed package' }]);
  });

  it('does not discover packages unless asked', async () => {
    const host = await createHost({ cwd: projectWithPackages() });
    expect(host.plugins.loaded).toEqual([]);
  });
});

describe(`${CONFIG_FILE}`, () => {
  it('loads the plugins it lists, relative to the project folder', async () => {
    const dir = tempDir();
    const plugins = [relative(dir, fixture('folder-pack')), relative(dir, fixture('module-pack.js'))];
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ plugins }));
    const host = await createHost({ cwd: dir, config: true });
    expect(host.plugins.failed).toEqual([]);
    expect(host.plugins.loaded.map((p) => p.name)).toEqual(['exitgraph-folder-pack', 'module-pack']);
    // Without config: true the file is ignored.
    expect((await createHost({ cwd: dir })).plugins.loaded).toEqual([]);
  });

  it('loads a pack named both in config and on the command line once', async () => {
    const dir = tempDir();
    const pack = relative(dir, fixture('folder-pack'));
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ plugins: [pack] }));
    const host = await createHost({ cwd: dir, config: true, plugins: [pack] });
    expect(host.plugins.failed).toEqual([]);
    expect(host.plugins.loaded).toHaveLength(1);
  });

  it('refuses a config that is not valid JSON or whose plugins is not a list of strings', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, CONFIG_FILE), '{ "plugins": [');
    await expect(createHost({ cwd: dir, config: true })).rejects.toThrow(`${join(dir, CONFIG_FILE)} is not valid JSON`);
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ plugins: 'folder-pack' }));
    await expect(createHost({ cwd: dir, config: true })).rejects.toThrow('"plugins" must be an array');
  });
});

describe('broken packs', () => {
  const broken = ['broken-syntax.js', 'broken-throws.js', 'broken-export.js', 'broken-override.js', 'broken-partial.js', 'broken-duplicate.js'];

  it('reports each broken pack by name and loads the others', async () => {
    const registry = new NodeRegistry();
    for (const pack of builtinPacks) registerPack(pack, registry, true);
    const sources = [fixture('folder-pack'), ...broken.map(fixture), fixture('module-pack.js')];
    const report = await loadPlugins(sources, registry);

    expect(report.loaded.map((p) => p.name)).toEqual(['exitgraph-folder-pack', 'module-pack']);
    expect(failedNames(report)).toEqual([
      fixture('broken-syntax.js'),
      fixture('broken-throws.js'),
      fixture('broken-export.js'),
      'broken-override',
      'broken-partial',
      'broken-duplicate',
    ]);
    const errors = Object.fromEntries(report.failed.map((f) => [f.source.split('/').pop(), f.error]));
    expect(errors['broken-throws.js']).toBe('broken-throws exploded on import');
    expect(errors['broken-export.js']).toContain("the module's default export must be a node pack");
    expect(errors['broken-override.js']).toBe('pack broken-override cannot override built-in node type exitgraph/LoadImage');
    expect(errors['broken-partial.js']).toBe('pack broken-partial: node partial/Bad port "thing" has unknown type NO_SUCH_TYPE');
    expect(errors['broken-duplicate.js']).toContain('dup/Twice@1 is defined twice');
    expect(errors['broken-syntax.js']).toBeTruthy();

    // The good packs work, the built-in is untouched, and nothing of a broken pack lingers.
    expect(registry.resolve('folder/Double')).toBeDefined();
    expect(registry.resolve('modpack/MakeColor')).toBeDefined();
    expect(registry.resolve('exitgraph/LoadImage')!.definition.version).toBe(1);
    expect(registry.resolve('exitgraph/LoadImage')!.origin).toBe('exitgraph');
    for (const id of ['override/Innocent', 'partial/Fine', 'partial/Bad', 'dup/Twice']) expect(registry.resolve(id), id).toBeUndefined();
  });

  it('a host reports broken packs from config and loads the rest', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, CONFIG_FILE), JSON.stringify({ plugins: [fixture('broken-throws.js'), fixture('folder-pack')] }));
    const host = await createHost({ cwd: dir, config: true, builtins: builtinPacks });
    expect(failedNames(host.plugins)).toEqual([fixture('broken-throws.js')]);
    expect(host.plugins.loaded.map((p) => p.name)).toEqual(['exitgraph-folder-pack']);
  });

  it('reports a folder whose entry module is missing, and a package.json that is not JSON', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'no-entry'));
    writeFileSync(join(dir, 'no-entry', 'package.json'), JSON.stringify({ name: 'no-entry', exitgraph: 'missing.js' }));
    mkdirSync(join(dir, 'bad-json'));
    writeFileSync(join(dir, 'bad-json', 'package.json'), '{');
    const report = await loadPlugins(['no-entry', 'bad-json'], new NodeRegistry(), { cwd: dir });
    expect(report.failed.map((f) => [f.name, f.error])).toEqual([
      ['no-entry', 'no-entry: entry module missing.js not found'],
      ['bad-json', expect.stringContaining('package.json is not valid JSON')],
    ]);
  });
});

describe('registerPack is all-or-nothing', () => {
  const node = (id: string, type = 'NUMBER', version = 1) =>
    defineNode({
      id,
      version,
      title: id,
      category: 'test',
      description: '',
      inputs: {},
      outputs: { value: { type } },
      params: { type: 'object', properties: {} },
      run: () => ({ value: 1 }),
    });

  it('registers nothing when a later node conflicts with an existing one', () => {
    const registry = new NodeRegistry();
    registerPack(definePack({ name: 'first', nodes: [node('a/Taken')] }), registry);
    expect(() => registerPack(definePack({ name: 'second', nodes: [node('b/New'), node('a/Taken')] }), registry)).toThrow(
      'pack second: node type a/Taken@1 is already defined by first',
    );
    expect(registry.resolve('b/New')).toBeUndefined();
  });

  it('registers nothing, port types included, when one of its port types is already taken', () => {
    const registry = new NodeRegistry();
    const mine = definePortType({ name: 'MINE', description: '' });
    const clash = definePortType({ name: 'IMAGE', description: 'another image' });
    expect(() => registerPack(definePack({ name: 'p', portTypes: [mine, clash], nodes: [node('p/Uses', 'MINE')] }), registry)).toThrow(
      'port type IMAGE is already defined',
    );
    expect(registry.ports.get('MINE')).toBeUndefined();
    expect(registry.resolve('p/Uses')).toBeUndefined();
  });

  it('registers nothing when the pack defines the same type twice', () => {
    const registry = new NodeRegistry();
    expect(() => registerPack(definePack({ name: 'p', nodes: [node('p/Two'), node('p/Two')] }), registry)).toThrow('defined twice');
    expect(registry.resolve('p/Two')).toBeUndefined();
    // Two versions of one type in a pack are fine.
    registerPack(definePack({ name: 'p', nodes: [node('p/Two'), node('p/Two', 'NUMBER', 2)] }), registry);
    expect(registry.resolve('p/Two@1')).toBeDefined();
    expect(registry.resolve('p/Two')!.definition.version).toBe(2);
  });
});
