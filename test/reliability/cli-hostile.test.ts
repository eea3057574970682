/**
 * The `exitgraph` command as a subprocess against big and hostile graphs, plugins that never
 * load and empty tokens: each ends with a clear message and the documented exit code, never a
 * stack overflow or a silent hang.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, exitgraph } from '../cli/cli-harness.js';
import { labelChain } from './loopback.js';

const dir = mkdtempSync(join(tmpdir(), 'exitgraph-cli-hostile-'));
beforeAll(() => ensureBuilt(), 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function graphFile(name: string, prompt: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(prompt));
  return file;
}

describe('exitgraph run', () => {
  it('runs a 20,000-node chain', async () => {
    const result = await exitgraph(['run', graphFile('chain.json', labelChain(20_000)), '--out', join(dir, 'chain-out'), '--device', 'cpu']);
    expect(result.stderr).not.toMatch(/Maximum call stack|PromiseRejectCallback/);
    expect(result.code).toBe(0);
    expect(readdirSync(join(dir, 'chain-out', 'previews'))).toHaveLength(1);
  }, 120_000);

  it('refuses a 20,000-node invalid graph with the first problems and a count (exit 2)', async () => {
    const prompt: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) prompt[String(i)] = { class_type: 'nope/Missing', inputs: {} };
    const result = await exitgraph(['run', graphFile('invalid.json', prompt), '--device', 'cpu']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('20001 problems');
    expect(result.stderr).toContain('... and 19901 more problems');
    expect(result.stderr.length).toBeLessThan(30_000);
  }, 60_000);

  it('refuses a param nested 2,000 levels deep, naming node and param (exit 2)', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 2_000; i++) deep = [deep];
    const prompt = { ...labelChain(4), '0': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 2, height: 2, classes: deep } } };
    const result = await exitgraph(['run', graphFile('deep.json', prompt), '--device', 'cpu']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('node 0 (exitgraph/PaintedLabelMap): param "classes" nests arrays or objects deeper than 64 levels [invalid_param]');
    expect(result.stderr).not.toContain('Maximum call stack');
  }, 60_000);

  it('takes a pack folder path in the pack param (local use)', async () => {
    const pack = fileURLToPath(new URL('../fixtures/packs/tiny-landscape', import.meta.url));
    const prompt = {
      '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 64, height: 64, classes: ['sky', 'water', 'grass', 'rock'] } },
      '2': { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['1', 0], pack } },
      '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0] } },
    };
    const result = await exitgraph(['run', graphFile('pack-path.json', prompt), '--out', join(dir, 'pack-out'), '--device', 'cpu']);
    expect(result.code, result.stderr).toBe(0);
  }, 60_000);
});

describe('plugins and tokens', () => {
  it('a plugin whose import never settles is reported after the timeout; the command goes on', async () => {
    const plugin = join(dir, 'stuck-plugin');
    mkdirSync(plugin);
    writeFileSync(join(plugin, 'package.json'), JSON.stringify({ name: 'stuck-plugin', type: 'module', exitgraph: 'index.js' }));
    writeFileSync(join(plugin, 'index.js'), 'await new Promise(() => {});\nexport default {};\n');
    process.env.EXITGRAPH_PLUGIN_TIMEOUT_MS = '500';
    try {
      const result = await exitgraph(['--plugin', plugin, 'nodes']);
      expect(result.stderr).toContain('warning: plugin stuck-plugin not loaded: importing stuck-plugin did not finish within 0.5 s');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('exitgraph/LoadImage');
    } finally {
      delete process.env.EXITGRAPH_PLUGIN_TIMEOUT_MS;
    }
  }, 60_000);

  it('serve --token "" is an error, not a server without a token', async () => {
    const result = await exitgraph(['serve', '--token', '', '--port', '0', '--workspace', join(dir, 'ws')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--token must not be empty');
  }, 60_000);
});
