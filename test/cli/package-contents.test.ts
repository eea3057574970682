/**
 * What `npm pack` / `npm publish` put in the package is enough to use it: the files npm lists for
 * the tarball are copied into a project's node_modules/exitgraph (its dependencies linked beside
 * it, as an install lays them out), and from that project's folder the installed command prints
 * its help, runs the shipped landscape example on the packs inside the package, and the SDK entry
 * a plugin imports resolves. Without `files` in package.json, npm falls back to .gitignore, which
 * leaves out dist/ and the editor bundle: the installed command could not start.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './cli-harness.js';

interface PackListing {
  readonly files: readonly { readonly path: string }[];
}

let project: string;
let installed: string;
let listed: string[];

/** This suite's environment without exitgraph's own variables (packs, weights, plugins folders). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('EXITGRAPH_')));
}

function node(args: readonly string[], cwd: string) {
  return spawnSync(process.execPath, args, {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...cleanEnv(), NO_COLOR: '1', EXITGRAPH_CACHE_DIR: join(project, 'cache') },
  });
}

beforeAll(() => {
  ensureBuilt();
  // --ignore-scripts: the listing of the tree as built, without running `prepare` (a full build).
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack --dry-run failed:\n${pack.stderr}`);
  listed = (JSON.parse(pack.stdout) as PackListing[])[0]!.files.map((f) => f.path);

  project = mkdtempSync(join(tmpdir(), 'exitgraph-installed-'));
  installed = join(project, 'node_modules', 'exitgraph');
  for (const file of listed) {
    mkdirSync(dirname(join(installed, file)), { recursive: true });
    cpSync(join(root, file), join(installed, file));
  }
  // The package's dependencies, where npm would hoist them: beside it in node_modules.
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === '.bin' || entry === 'exitgraph' || entry.startsWith('.')) continue;
    symlinkSync(join(root, 'node_modules', entry), join(project, 'node_modules', entry));
  }
}, 180_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the published package', () => {
  it('holds the compiled CLI, SDK, editor bundle and shipped packs, and no test code or sources', () => {
    for (const needed of ['bin/exitgraph.js', 'dist/cli/main.js', 'dist/sdk/index.js', 'dist/sdk/index.d.ts', 'editor/public/index.html', 'editor/public/build/editor.js', 'models/packs/landscape/manifest.json', 'models/lpips/lpips_alex_v0.1.f32.json', 'examples/graphs/landscape-risk.json']) {
      expect(listed, needed).toContain(needed);
    }
    expect(listed.filter((f) => f.startsWith('dist/test/') || f.startsWith('test/') || (f.endsWith('.test.ts') && !f.startsWith('examples/')))).toEqual([]);
    expect(listed.filter((f) => f.startsWith('models/training/') || f.startsWith('.'))).toEqual([]);
  });

  it('installed, prints its help and runs the landscape example from the project folder', () => {
    const help = node([join(installed, 'bin', 'exitgraph.js'), '--help'], project);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: exitgraph');

    const out = join(project, 'out');
    const run = node([join(installed, 'bin', 'exitgraph.js'), 'run', join(installed, 'examples', 'graphs', 'landscape-risk.json'), '--input-dir', installed, '--out', out, '--json'], project);
    expect(run.status, run.stderr).toBe(0);
    const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
    expect(pngs.length).toBeGreaterThan(0);
    expect(statSync(join(out, pngs[0]!)).size).toBeGreaterThan(1000);
  }, 120_000);

  it('gives a plugin its SDK entries by package name', () => {
    const probe = node(['--input-type=module', '-e', "const sdk = await import('exitgraph'); const ee = await import('exitgraph/early-exit'); console.log(typeof sdk.defineNode, ee.resolvePackDir('landscape'))"], project);
    expect(probe.status, probe.stderr).toBe(0);
    // The pack a plugin asks for by name is the one inside the installed package.
    expect(probe.stdout.trim()).toBe(`function ${join(installed, 'models', 'packs', 'landscape')}`);
    expect(existsSync(join(installed, 'models', 'training'))).toBe(false);
  });
});
