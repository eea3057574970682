/**
 * Dynamic batching: runs from scratch that wait for a runner at the same time, bound for one
 * exit, share one batched session run, and each gets what it would have got alone; escalating
 * from a shared run equals a direct run; a cancelled run is left out of the batch; with
 * coalescing off every run is its own session run. On the tiny fixture and the shipped
 * landscape pack.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelPack, PackRunner, readPackSplit, SessionCache, type ExitResult } from '../../sdk/early-exit/index.js';
import { packageRoot } from '../../sdk/index.js';
import { fixturePack, maxAbsDiff } from './helpers.js';

const LANDSCAPE = join(packageRoot(), 'models', 'packs', 'landscape');
const packs: [string, string][] = [['tiny-landscape', fixturePack('tiny-landscape')]];
if (existsSync(join(LANDSCAPE, 'manifest.json'))) packs.push(['landscape', LANDSCAPE]);

describe.each(packs)('coalesced runs (%s)', (_name, dir) => {
  const setUp = async (options: { maxBatch?: number; coalesce?: boolean } = {}) => {
    const pack = await loadModelPack(dir);
    const sessions = new SessionCache({ optimizedModelDir: false });
    const runner = await PackRunner.open(pack, { device: 'cpu', sessions, ...options });
    const { labels } = await readPackSplit(pack, 'test', 6);
    return { runner, labels, sessions, last: pack.manifest.exits.length - 1 };
  };

  it('runs asked for together share session runs and give what each gives alone, in order', async () => {
    const { runner, labels, sessions, last } = await setUp({ maxBatch: 4 });
    for (const k of [0, last]) {
      const alone: ExitResult[] = [];
      for (const label of labels) alone.push(await runner.runExit(label, k));
      expect(alone.every((r) => r.batch === undefined)).toBe(true);
      // 6 at once: whoever waits when a turn comes shares it, at most maxBatch (4) to a session run.
      const together = await Promise.all(labels.map((label) => runner.runExit(label, k)));
      const sizes = together.map((r) => r.batch ?? 1);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
      // Each batch of b runs is b results saying b.
      for (const b of new Set(sizes)) expect(sizes.filter((x) => x === b).length % b).toBe(0);
      together.forEach((r, i) => {
        expect(r.exit).toBe(alone[i]!.exit);
        expect(r.dims).toEqual(alone[i]!.dims);
        expect(maxAbsDiff(r.data, alone[i]!.data)).toBeLessThan(1e-5);
        expect(r.macs).toBe(alone[i]!.macs);
        expect(r.steps.map((s) => [s.step, s.macs])).toEqual(alone[i]!.steps.map((s) => [s.step, s.macs]));
        expect(r.wallMs).toBeGreaterThan(0);
      });
    }
    await sessions.clear();
  });

  it('with sessions in a worker thread (the server), at most 4 runs share a session run, each giving what it gives alone', async () => {
    const pack = await loadModelPack(dir);
    const sessions = new SessionCache({ optimizedModelDir: false, offThread: true });
    const runner = await PackRunner.open(pack, { device: 'cpu', sessions, maxBatch: 16 });
    const { labels } = await readPackSplit(pack, 'test', 6);
    const maps = [...labels, ...labels.map((l) => ({ ...l, ids: l.ids.slice() }))]; // 12 inputs
    try {
      const alone: ExitResult[] = [];
      for (const map of maps) alone.push(await runner.runExit(map, 0));
      const together = await Promise.all(maps.map((map) => runner.runExit(map, 0)));
      const sizes = together.map((r) => r.batch ?? 1);
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
      together.forEach((r, i) => expect(maxAbsDiff(r.data, alone[i]!.data)).toBeLessThan(1e-5));
    } finally {
      await sessions.clear();
    }
  });

  it('escalating from a shared run equals running the later exit directly', async () => {
    const { runner, labels, sessions, last } = await setUp();
    const runs = labels.map((label) => runner.begin(label));
    try {
      const first = await Promise.all(runs.map((run) => run.toExit(0)));
      expect(first.filter((r) => (r.batch ?? 1) > 1).length).toBeGreaterThan(0);
      for (const [i, run] of runs.entries()) {
        const escalated = await run.toExit(last);
        const direct = await runner.runExit(labels[i]!, last);
        expect(maxAbsDiff(escalated.data, direct.data)).toBeLessThan(1e-5);
        // Escalation ran only what exit 0 had not run (exit 0's steps are counted once).
        expect(escalated.runMacs).toBe(first[i]!.macs + escalated.macs);
        expect(escalated.macs).toBeLessThan(direct.macs);
      }
    } finally {
      for (const run of runs) run.dispose();
    }
    await sessions.clear();
  });

  it('a run cancelled while it waits is left out; the others run', async () => {
    const { runner, labels, sessions } = await setUp();
    const stop = new AbortController();
    const runs = labels.slice(0, 4).map((label, i) => runner.begin(label, i === 2 ? { signal: stop.signal } : {}));
    try {
      const pending = runs.map((run) => run.toExit(0));
      stop.abort(new Error('stopped by the user'));
      const settled = await Promise.allSettled(pending);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ message: 'stopped by the user' });
      expect(settled.map((s) => (s.status === 'fulfilled' ? (s.value.batch ?? 1) : 0)).every((b) => b <= 3)).toBe(true);
    } finally {
      for (const run of runs) run.dispose();
    }
    await sessions.clear();
  });

  it('with coalescing off, runs asked for together each run alone', async () => {
    const { runner, labels, sessions } = await setUp({ coalesce: false });
    const together = await Promise.all(labels.map((label) => runner.runExit(label, 0)));
    expect(together.every((r) => r.batch === undefined)).toBe(true);
    await sessions.clear();
  });
});
