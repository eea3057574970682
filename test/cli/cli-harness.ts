/**
 * Runs the real `exitgraph` command (`node bin/exitgraph.js`, which loads the CLI bundle in
 * dist/cli/) as a child process. `ensureBuilt` compiles and bundles first when dist/ is missing
 * or older than the sources, so the suite works both under `npm test` (whose pretest builds) and
 * under a bare `vitest run`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../sdk/index.js';

export const root = packageRoot();
export const bin = join(root, 'bin', 'exitgraph.js');
const builtMain = join(root, 'dist', 'bin', 'cli', 'main.js');
const bundledMain = join(root, 'dist', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(): boolean {
  if (!existsSync(builtMain)) return true;
  const built = statSync(builtMain).mtimeMs;
  return ['sdk', 'nodes', 'bin', 'editor/server'].some((dir) => newestSource(join(root, dir)) > built);
}

/** The CLI bundle is older than tsc's output or than its own build script (or missing). */
function bundleIsStale(): boolean {
  if (!existsSync(bundledMain)) return true;
  const bundled = statSync(bundledMain).mtimeMs;
  return bundled < statSync(builtMain).mtimeMs || bundled < statSync(join(root, 'bin', 'bundle-cli.mjs')).mtimeMs;
}

/**
 * Compiles with tsc when dist/ is stale, and bundles the CLI as `npm run build` does when the
 * bundle is, so the command under test is the one users run. Type errors elsewhere do not stop
 * tsc from emitting.
 */
export function ensureBuilt(): void {
  if (isStale()) {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
    if (!existsSync(builtMain)) throw new Error(`building dist/ failed:\n${result.stdout}${result.stderr}`);
    if (result.status !== 0) process.stderr.write(`warning: tsc reported errors (dist/ was still emitted):\n${result.stdout}\n`);
  }
  if (bundleIsStale()) {
    const bundle = spawnSync(process.execPath, [join(root, 'bin', 'bundle-cli.mjs')], { cwd: root, encoding: 'utf8' });
    if (bundle.status !== 0) throw new Error(`bundling the CLI failed:\n${bundle.stdout}${bundle.stderr}`);
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  /** Called with each stderr chunk as it arrives, with the child (to send it signals). */
  readonly onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
}

/** Runs `exitgraph <args>` to completion. Not a TTY, so `run` prints one line per node. */
export function exitgraph(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
