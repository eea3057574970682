/**
 * Real processes for scale-out tests: a private redis-server on a free loopback port with a
 * temp dir (never a system service), and `exitgraph serve --queue` / `exitgraph worker` as
 * child processes of the built CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage, localWorkspace, parseApiPrompt, readImageFile, runGraph, validateGraph, type Image } from '../../sdk/index.js';
import { createDefaultHost } from '../../bin/cli/default-host.js';
import { bin, ensureBuilt, root } from '../cli/cli-harness.js';

export { root };

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** A child process whose output is kept, waited on for a line matching a pattern. */
export class Child {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly process: ChildProcess, readonly name: string) {
    process.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    process.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.exited = new Promise((done) => process.on('exit', (code, signal) => done({ code, signal })));
  }

  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    const started = Date.now();
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (exited) throw new Error(`${this.name} exited before printing ${pattern}:\n${this.output}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signal and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill(signal);
    await this.exited;
  }
}

export interface RedisInstance {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Starts it again on the same port and data dir (after `stop`). */
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its data dir. */
  destroy(): Promise<void>;
}

export async function startRedis(): Promise<RedisInstance> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'exitgraph-redis-'));
  let child: Child | undefined;
  const start = async () => {
    const process = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = new Child(process, 'redis-server');
    await child.waitFor(/Ready to accept connections/, 15_000);
  };
  await start();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    await child?.stop(signal);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `node bin/exitgraph.js <args>` in the background. */
export function spawnCli(args: readonly string[], name: string): Child {
  ensureBuilt();
  const process = spawn(globalThis.process.execPath, [bin, ...args], { cwd: root, env: { ...globalThis.process.env, NO_COLOR: '1', FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Child(process, name);
}

export const plugin = (name: string) => join(root, 'test', 'scale-out', 'fixtures', name);
export const fixturePlugin = (name: string) => join(root, 'test', 'fixtures', 'plugins', name);

/** `exitgraph serve --queue` on a free port; resolves once it listens. */
export async function startQueueServer(redisUrl: string, workspace: string, plugins: readonly string[] = [], port = 0): Promise<{ child: Child; url: string }> {
  const child = spawnCli([...plugins.flatMap((p) => ['--plugin', p]), 'serve', '--queue', redisUrl, '--workspace', workspace, '--port', String(port), '--device', 'cpu'], 'server');
  const match = await child.waitFor(/exitgraph editor: (http:\/\/\S+?)\/?\n/);
  return { child, url: match[1]! };
}

/** `exitgraph worker`; resolves once it takes prompts. `lockMs` small so dead workers are noticed fast. */
export async function startWorker(redisUrl: string, workspace: string, plugins: readonly string[] = [], lockMs = 3000, name = 'worker'): Promise<Child> {
  const child = spawnCli([...plugins.flatMap((p) => ['--plugin', p]), 'worker', '--queue', redisUrl, '--workspace', workspace, '--device', 'cpu', '--lock-ms', String(lockMs)], name);
  await child.waitFor(/taking prompts from/);
  return child;
}

/** A workspace with the example inputs in its input folder. */
export async function makeWorkspace(): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-scale-'));
  await mkdir(join(workspace, 'input'), { recursive: true });
  for (const name of ['sunset.png', 'stripes.png']) await copyFile(join(root, 'examples', 'inputs', name), join(workspace, 'input', name));
  return workspace;
}

/** The example resize-and-blend graph reading the workspace's inputs, with a given blend factor and prefix. */
export function blendPrompt(factor: number, prefix: string, size = 32): Record<string, unknown> {
  return {
    '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'sunset.png' } },
    '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'stripes.png' } },
    '3': { class_type: 'exitgraph/ImageResize', inputs: { image: ['2', 0], width: size, height: size, method: 'nearest' } },
    '7': { class_type: 'exitgraph/ImageResize', inputs: { image: ['1', 0], width: size, height: size, method: 'nearest' } },
    '4': { class_type: 'exitgraph/ImageBlend', inputs: { a: ['7', 0], b: ['3', 0], factor, mode: 'multiply' } },
    '6': { class_type: 'exitgraph/SaveImage', inputs: { image: ['4', 0], filename_prefix: prefix } },
  };
}

/** Runs prompts in this process (the reference a scaled-out run must equal) and returns each one's saved image. */
export async function localRuns(prompts: readonly Record<string, unknown>[], workspace: string): Promise<Image[]> {
  const host = await createDefaultHost({ config: false, discover: false });
  const out = await mkdtemp(join(tmpdir(), 'exitgraph-local-'));
  try {
    const images: Image[] = [];
    for (const prompt of prompts) {
      const valid = validateGraph(parseApiPrompt(prompt).graph, host.registry, { requireOutputs: true });
      if (!valid.graph) throw new Error(valid.problems.map((p) => p.message).join('; '));
      const result = await runGraph(valid.graph, { workspace: localWorkspace(join(workspace, 'input'), out), device: 'cpu', cache: host.cache });
      const image = Object.values(result.ui).flatMap((ui) => (ui.images as { filename: string; subfolder: string }[] | undefined) ?? [])[0];
      if (result.status !== 'success' || !image) throw new Error(`the local run failed: ${result.error?.message ?? 'no image'}`);
      images.push(await readImageFile(join(out, image.subfolder, image.filename)));
    }
    return images;
  } finally {
    await rm(out, { recursive: true, force: true });
    await host.close();
  }
}

export async function localRun(prompt: Record<string, unknown>, workspace: string): Promise<Image> {
  return (await localRuns([prompt], workspace))[0]!;
}

/** The image a server's `/view` serves for a history entry's first output file. */
export async function viewImage(serverUrl: string, file: { filename: string; subfolder: string; type: string }): Promise<Image> {
  const query = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type });
  const response = await fetch(`${serverUrl}/view?${query}`);
  if (!response.ok) throw new Error(`/view ${file.filename}: HTTP ${response.status}`);
  return decodeImage(new Uint8Array(await response.arrayBuffer()), file.filename);
}
