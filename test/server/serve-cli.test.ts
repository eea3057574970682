import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../bin/cli/main.js';
import { getJson } from './server-harness.js';

/** Runs the CLI in-process, capturing stderr as it comes. */
function cli(args: string[]): { done: Promise<number>; stderr: string[]; restore(): void } {
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
  const restore = () => void (process.stderr.write = write);
  return { done: main(args).finally(restore), stderr, restore };
}

describe('exitgraph serve', () => {
  it('refuses to bind a non-loopback address without --token', async () => {
    const run = cli(['serve', '--host', '0.0.0.0', '--port', '0', '--device', 'cpu']);
    expect(await run.done).toBe(2);
    expect(run.stderr.join('')).toMatch(/--token/);
  });

  it('serves until SIGTERM, then stops cleanly', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-serve-'));
    const before = new Set(process.listeners('SIGTERM'));
    const run = cli(['serve', '--port', '0', '--workspace', workspace, '--device', 'cpu']);
    try {
      const started = Date.now();
      while (!run.stderr.join('').includes('exitgraph editor: ') && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
      const url = /exitgraph editor: (http:\/\/\S+?)\/?\n/.exec(run.stderr.join(''))![1]!;
      const { json: stats } = await getJson(`${url}/system_stats`);
      expect(stats.devices[0].type).toBe('cpu');
      expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/text\/html/);
      // Call the command's own handler rather than signalling the test runner's process.
      const stop = process.listeners('SIGTERM').find((listener) => !before.has(listener))!;
      (stop as () => void)();
      expect(await run.done).toBe(0);
      await expect(fetch(`${url}/system_stats`)).rejects.toThrow();
    } finally {
      run.restore();
      await rm(workspace, { recursive: true, force: true });
    }
  });
});
