/**
 * The first ten minutes of a new user: a fresh `git clone` of this repository into an empty temp
 * folder (nothing beside it), `npm ci` there, then every command of README's "Quick start" and
 * "Early exits" sections, read from the README itself. Each must exit 0 and print no npm warning
 * (an unknown config key, install scripts outside allowScripts, ...). The environment is a clean
 * shell's: no ONNXRUNTIME_NODE_INSTALL, no EXITGRAPH_WEIGHTS, no npm_* variables of the npm that
 * runs this suite. It clones the committed HEAD, so uncommitted changes are not what it checks.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './cli-harness.js';

/** The shell commands of a README section's ```sh blocks, comments stripped. */
export function sectionCommands(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n')).map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line && !line.startsWith('#'));
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = sectionCommands(readme, 'Quick start');
const earlyExits = sectionCommands(readme, 'Early exits');

/** A clean shell's environment: this suite's npm and tool variables left out. */
function freshEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NPM_|ONNXRUNTIME_NODE_INSTALL|EXITGRAPH_|VITEST|NODE_OPTIONS$|INIT_CWD$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: '1' };
}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a README command line in the clone through the shell, with a time limit. */
function sh(command: string, cwd: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env: freshEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      stderr += `\n[quick-start test: "${command}" ran past ${timeoutMs / 1000} s and was stopped]\n`;
      process.kill(-child.pid!, 'SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** npm's warnings: "npm warn Unknown project config ...", install scripts not in allowScripts, ... */
function npmWarnings(stderr: string): string[] {
  return stderr.split('\n').filter((line) => /^npm (warn|WARN)|allowScripts|install scripts? (not|were)/.test(line));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `npm start` on a free port: waits for the server's address line, fetches /, then stops it with Ctrl-C. */
async function startAndFetch(cwd: string): Promise<{ status: number; body: string; code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const port = await freePort();
  const child = spawn('bash', ['-c', `npm start -- --port ${port}`], { cwd, env: freshEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdout.resume();
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60_000;
  while (!stderr.includes(`http://127.0.0.1:${port}`)) {
    if (Date.now() > deadline || child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  let status = 0;
  let body = '';
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    status = response.status;
    body = await response.text();
  } finally {
    // Ctrl-C goes to the whole foreground group in a terminal: npm and the server under it.
    process.kill(-child.pid!, 'SIGINT');
  }
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
  const { code, signal } = await closed;
  clearTimeout(timer);
  return { status, body, code, signal, stderr };
}

let base: string;
let clone: string;
beforeAll(() => {
  if (!existsSync(join(root, '.git'))) return;
  base = mkdtempSync(join(tmpdir(), 'exitgraph-quick-start-'));
  clone = join(base, 'exitgraph');
  const cloned = spawnSync('git', ['clone', '--quiet', root, clone], { encoding: 'utf8' });
  if (cloned.status !== 0) throw new Error(`git clone ${root} failed: ${cloned.stderr}`);
});
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

// A copy without its git history (an installed package) has nothing to clone.
describe.skipIf(!existsSync(join(root, '.git')))('README quick start on a fresh clone with nothing beside it', () => {
  it('the README sections list the commands this test runs', () => {
    expect(quickStart).toEqual(['npm ci', 'npm start', 'npm test', expect.stringMatching(/^npx exitgraph run /), expect.stringMatching(/^npx exitgraph run output\//)]);
    expect(earlyExits.length).toBeGreaterThanOrEqual(4);
    expect(earlyExits.every((c) => c.startsWith('npx exitgraph '))).toBe(true);
  });

  it('runs every command: exit 0, no npm warnings', async () => {
    // Nothing beside the clone: no shared weights folder, no parent node_modules.
    expect(readdirSync(base)).toEqual(['exitgraph']);
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);

    const failures: string[] = [];
    const check = (command: string, ran: Ran): void => {
      const warnings = npmWarnings(ran.stderr);
      if (ran.code !== 0) failures.push(`${command}: exit ${ran.code}\n${ran.stderr.slice(-2000)}`);
      if (warnings.length) failures.push(`${command}: npm warnings:\n${warnings.join('\n')}`);
    };

    for (const command of [...quickStart, ...earlyExits]) {
      if (command === 'npm test') continue; // the suite this test belongs to: running it here would recurse
      if (command === 'npm start') {
        const served = await startAndFetch(clone);
        if (served.status !== 200 || !/<html/i.test(served.body)) failures.push(`npm start: GET / answered ${served.status}\n${served.stderr.slice(-2000)}`);
        // npm, once its script has ended, re-raises the Ctrl-C on itself (as in a terminal): the
        // server must have stopped on its own, saying so.
        if (!served.stderr.includes('stopping the server')) failures.push(`npm start: the server did not stop on Ctrl-C\n${served.stderr.slice(-2000)}`);
        const stopped = served.code === 0 || served.code === 130 || served.signal === 'SIGINT';
        check('npm start (stopped with Ctrl-C)', { code: stopped ? 0 : served.code, stdout: '', stderr: served.stderr });
        continue;
      }
      const ran = await sh(command, clone, command.startsWith('npm ci') ? 600_000 : 300_000);
      check(command, ran);
      if (command === 'npm ci' && ran.code !== 0) break; // nothing else can run
    }
    expect(failures, failures.join('\n\n')).toEqual([]);
    // What the early-exit commands produced, where the README says.
    expect(existsSync(join(clone, 'output', 'eval', 'landscape-exitgraph-risk', 'eval.json'))).toBe(true);
    expect(existsSync(join(clone, 'output', 'report', 'landscape', 'report.md'))).toBe(true);
  }, 1_800_000);
});
