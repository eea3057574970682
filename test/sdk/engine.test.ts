import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  NodeRunError,
  OutputCache,
  RunCancelledError,
  createImage,
  localWorkspace,
  readPngText,
  registerPack,
  type NodeContext,
  type RunEvent,
} from '../../sdk/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { eventTypes } from '../../sdk/testing/index.js';
import { aborted, barrier, deferred } from '../support/concurrency.js';
import { createTestKit } from '../support/engine-kit.js';

const startIndex = (events: readonly RunEvent[], id: string) => events.findIndex((e) => e.type === 'node:start' && e.nodeId === id);
const doneIndex = (events: readonly RunEvent[], id: string) => events.findIndex((e) => e.type === 'node:done' && e.nodeId === id);

describe('engine: order', () => {
  it('runs every node after all of its upstream nodes are done', async () => {
    const kit = await createTestKit();
    const run = await kit.run({
      '1': { class_type: 'test/Value', inputs: { value: 3 } },
      '2': { class_type: 'test/Add', inputs: { a: ['1', 0], offset: 1 } },
      '3': { class_type: 'test/Add', inputs: { a: ['1', 0], offset: 10 } },
      '4': { class_type: 'test/Add', inputs: { a: ['2', 0], b: ['3', 1] } },
      '5': { class_type: 'test/Sink', inputs: { value: ['4', 0] } },
    });
    expect(run.status).toBe('success');
    expect(kit.sunk.get('5')).toBe(4 + -13);
    const edges: [string, string][] = [['1', '2'], ['1', '3'], ['2', '4'], ['3', '4'], ['4', '5']];
    for (const [up, down] of edges) {
      expect(doneIndex(run.events, up), `${up} done before ${down} starts`).toBeLessThan(startIndex(run.events, down));
    }
    // The diamond's shared source runs once.
    expect(kit.started.filter((id) => id === '1')).toHaveLength(1);
    expect(kit.started.sort()).toEqual(['1', '2', '3', '4', '5']);
    expect([...run.executed].sort()).toEqual(['1', '2', '3', '4', '5']);
  });

  it('passes outputs by index, literals on ports, and defaulted params to run', async () => {
    const kit = await createTestKit();
    const run = await kit.run({
      '1': { class_type: 'test/Add', inputs: { a: 5, b: 2 } },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 1] } },
    });
    expect(run.status).toBe('success');
    expect(kit.sunk.get('2')).toBe(-7);
  });
});

describe('engine: laziness', () => {
  it('runs only what the output nodes need', async () => {
    const kit = await createTestKit();
    const run = await kit.run({
      '1': { class_type: 'test/Value' },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
      '3': { class_type: 'test/Value' },
      '4': { class_type: 'test/Add', inputs: { a: ['3', 0] } },
    });
    expect(run.status).toBe('success');
    expect(kit.started.sort()).toEqual(['1', '2']);
    expect(run.events[0]).toMatchObject({ type: 'run:start', nodes: expect.arrayContaining(['1', '2']) });
    expect((run.events[0] as { nodes: string[] }).nodes).toHaveLength(2);
  });

  it('runs only the upstream of explicit targets and returns their outputs', async () => {
    const kit = await createTestKit();
    const graph = kit.graph({
      '1': { class_type: 'test/Value', inputs: { value: 2 } },
      '2': { class_type: 'test/Add', inputs: { a: ['1', 0], offset: 1 } },
      '3': { class_type: 'test/Add', inputs: { a: ['2', 0] } },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    });
    const run = await kit.run(graph, { targets: ['2'] });
    expect(run.status).toBe('success');
    expect(kit.started.sort()).toEqual(['1', '2']);
    expect(run.values.get('2')).toEqual({ sum: 3, negated: -3 });
    expect(run.values.has('4')).toBe(false);
  });

  it('computes only the branch a lazy input asks for', async () => {
    for (const useA of [true, false]) {
      const kit = await createTestKit();
      // The branch not taken would fail if it ran.
      kit.hooks.set(useA ? 'b' : 'a', () => {
        throw new Error('the unchosen branch ran');
      });
      const run = await kit.run({
        '1': { class_type: 'test/Value', inputs: { value: 10 } },
        '2': { class_type: 'test/Hook', inputs: { in: ['1', 0], tag: 'a' } },
        '3': { class_type: 'test/Value', inputs: { value: 20 } },
        '4': { class_type: 'test/Hook', inputs: { in: ['3', 0], tag: 'b' } },
        '5': { class_type: 'test/Pick', inputs: { use_a: useA, a: ['2', 0], b: ['4', 0] } },
        '6': { class_type: 'test/Sink', inputs: { value: ['5', 0] } },
      });
      expect(run.status).toBe('success');
      expect(kit.sunk.get('6')).toBe(useA ? 11 : 21);
      expect(kit.started.sort()).toEqual(useA ? ['1', '2', '5', '6'] : ['3', '4', '5', '6']);
      // The lazy node starts before the branch it pulls.
      expect(startIndex(run.events, '5')).toBeLessThan(startIndex(run.events, useA ? '2' : '4'));
    }
  });

  it('hands a lazy input given as a literal to run as a function too', async () => {
    const kit = await createTestKit();
    const run = await kit.run({
      '1': { class_type: 'test/Pick', inputs: { use_a: true, a: 42, b: ['2', 0] } },
      '2': { class_type: 'test/Value' },
      '3': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
    });
    expect(run.status).toBe('success');
    expect(kit.sunk.get('3')).toBe(42);
    expect(kit.started).not.toContain('2');
  });
});

describe('engine: cache across runs', () => {
  const chain = (offset = 0) => ({
    '1': { class_type: 'test/Value', inputs: { value: 1 } },
    '2': { class_type: 'test/Add', inputs: { a: ['1', 0], offset } },
    '3': { class_type: 'test/Add', inputs: { a: ['2', 0] } },
    '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    '5': { class_type: 'test/Value', inputs: { value: 5 } },
    '6': { class_type: 'test/Sink', inputs: { value: ['5', 0] } },
  });

  it('reuses outputs when type, version, params and upstream match', async () => {
    const kit = await createTestKit();
    const cache = new OutputCache();
    const first = await kit.run(chain(), { cache });
    expect([...first.executed].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(first.cached).toEqual([]);

    const second = await kit.run(chain(), { cache });
    expect(second.status).toBe('success');
    // Output nodes are not cacheable; the nodes they pull are hits, and a hit pulls nothing.
    expect([...second.executed].sort()).toEqual(['4', '6']);
    expect([...second.cached].sort()).toEqual(['3', '5']);
    expect(eventTypes(second.events, '3')).toEqual(['node:cached']);
    expect(kit.sunk.get('4')).toBe(1);
  });

  it('misses the changed node and what is downstream of it, and nothing else', async () => {
    const kit = await createTestKit();
    const cache = new OutputCache();
    await kit.run(chain(0), { cache });
    kit.started.length = 0;

    const changed = await kit.run(chain(5), { cache });
    expect([...changed.executed].sort()).toEqual(['2', '3', '4', '6']);
    expect([...changed.cached].sort()).toEqual(['1', '5']);
    expect(kit.sunk.get('4')).toBe(6);

    // Both versions stay cached: going back is all hits.
    kit.started.length = 0;
    const back = await kit.run(chain(0), { cache });
    expect([...back.cached].sort()).toEqual(['3', '5']);
    expect(kit.started.sort()).toEqual(['4', '6']);
    expect(kit.sunk.get('4')).toBe(1);
  });

  it('treats a changed literal on a port like a changed param', async () => {
    const kit = await createTestKit();
    const cache = new OutputCache();
    const graph = (b: number) => ({
      '1': { class_type: 'test/Add', inputs: { a: 1, b } },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
    });
    await kit.run(graph(1), { cache });
    expect((await kit.run(graph(1), { cache })).cached).toEqual(['1']);
    expect((await kit.run(graph(2), { cache })).executed).toContain('1');
  });

  it('never caches a non-cacheable node, so everything downstream of it misses', async () => {
    const kit = await createTestKit();
    const cache = new OutputCache();
    const graph = {
      '1': { class_type: 'test/Value' },
      '2': { class_type: 'test/Volatile', inputs: { a: ['1', 0] } },
      '3': { class_type: 'test/Add', inputs: { a: ['2', 0] } },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    };
    await kit.run(graph, { cache });
    const second = await kit.run(graph, { cache });
    expect([...second.executed].sort()).toEqual(['2', '3', '4']);
    expect(second.cached).toEqual(['1']);
  });

  it('misses when a node fingerprint (state outside the graph) changes', async () => {
    const kit = await createTestKit();
    const cache = new OutputCache();
    const graph = {
      '1': { class_type: 'test/Fingerprinted' },
      '2': { class_type: 'test/Add', inputs: { a: ['1', 0] } },
      '3': { class_type: 'test/Sink', inputs: { value: ['2', 0] } },
    };
    await kit.run(graph, { cache });
    expect((await kit.run(graph, { cache })).cached).toEqual(['2']);
    kit.fingerprint = 'version-two';
    const changed = await kit.run(graph, { cache });
    expect([...changed.executed].sort()).toEqual(['1', '2', '3']);
    expect(kit.sunk.get('3')).toBe('version-two'.length);
  });

  it('caches nothing without a cache', async () => {
    const kit = await createTestKit();
    const graph = chain();
    await kit.run(graph);
    const second = await kit.run(graph);
    expect(second.cached).toEqual([]);
    expect(second.executed).toHaveLength(6);
  });
});

describe('engine: concurrency', () => {
  it('runs the independent inputs of a node at the same time', async () => {
    const kit = await createTestKit();
    const both = barrier(2);
    // Each branch waits until the other has started: only a concurrent engine gets past this.
    kit.hooks.set('left', (ctx) => both.arrive(ctx.nodeId));
    kit.hooks.set('right', (ctx) => both.arrive(ctx.nodeId));
    const run = await kit.run({
      '1': { class_type: 'test/Hook', inputs: { tag: 'left' } },
      '2': { class_type: 'test/Hook', inputs: { tag: 'right' } },
      '3': { class_type: 'test/Hook', inputs: { in: ['1', 0], also: ['2', 0] } },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('success');
    expect(both.arrived.sort()).toEqual(['1', '2']);
    expect(kit.sunk.get('4')).toBe(3);
  });

  it('runs independent output branches at the same time', async () => {
    const kit = await createTestKit();
    const both = barrier(2);
    kit.hooks.set('meet', (ctx) => both.arrive(ctx.nodeId));
    const run = await kit.run({
      '1': { class_type: 'test/Hook', inputs: { tag: 'meet' } },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
      '3': { class_type: 'test/Hook', inputs: { tag: 'meet' } },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    });
    expect(run.error).toBeUndefined();
    expect(both.arrived.sort()).toEqual(['1', '3']);
  });
});

describe('engine: event-loop turns', () => {
  it('shares out node starts over event-loop turns: a timer set as 32 busy branches start fires before the last starts', async () => {
    const kit = await createTestKit();
    let startedWhenTimerFired: number | undefined;
    kit.hooks.set('busy', () => {
      if (kit.started.length === 1) setTimeout(() => (startedWhenTimerFired = kit.started.length), 0);
      // A synchronous first part, as a node that parses a file or sets up a decode has.
      const until = performance.now() + 2;
      while (performance.now() < until);
    });
    const prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> = {};
    for (let i = 0; i < 32; i++) {
      prompt[`h${i}`] = { class_type: 'test/Hook', inputs: { tag: 'busy' } };
      prompt[`s${i}`] = { class_type: 'test/Sink', inputs: { value: [`h${i}`, 0] } };
    }
    const run = await kit.run(prompt);
    expect(run.status).toBe('success');
    expect(kit.started.filter((id) => id.startsWith('h'))).toHaveLength(32);
    expect(startedWhenTimerFired).toBeLessThan(32);
  });
});

describe('engine: cancellation', () => {
  it('stops mid-run: the running node sees ctx.signal aborted, later nodes never start', async () => {
    const kit = await createTestKit();
    const controller = new AbortController();
    const running = deferred();
    let seen: AbortSignal | undefined;
    kit.hooks.set('slow', async (ctx) => {
      seen = ctx.signal;
      running.resolve();
      await aborted(ctx.signal);
    });
    const pending = kit.run(
      {
        '1': { class_type: 'test/Value' },
        '2': { class_type: 'test/Hook', inputs: { in: ['1', 0], tag: 'slow' } },
        '3': { class_type: 'test/Add', inputs: { a: ['2', 0] } },
        '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
      },
      { signal: controller.signal },
    );
    await running.promise;
    controller.abort('user pressed stop');
    const run = await pending;

    expect(run.status).toBe('cancelled');
    expect(run.error).toBeInstanceOf(RunCancelledError);
    expect(run.error!.message).toContain('user pressed stop');
    expect(seen?.aborted).toBe(true);
    expect(kit.started).toEqual(['1', '2']);
    expect(eventTypes(run.events)).not.toContain('node:error');
    expect(run.events.at(-1)).toMatchObject({ type: 'run:end', status: 'cancelled' });
  });

  it('starts nothing new after the abort even when the running node ignores the signal', async () => {
    const kit = await createTestKit();
    const controller = new AbortController();
    kit.hooks.set('stubborn', () => controller.abort());
    const run = await kit.run(
      {
        '1': { class_type: 'test/Hook', inputs: { tag: 'stubborn' } },
        '2': { class_type: 'test/Add', inputs: { a: ['1', 0] } },
        '3': { class_type: 'test/Sink', inputs: { value: ['2', 0] } },
      },
      { signal: controller.signal },
    );
    expect(run.status).toBe('cancelled');
    expect(kit.started).toEqual(['1']);
    expect(kit.sunk.size).toBe(0);
  });

  it('runs nothing when the signal is already aborted', async () => {
    const kit = await createTestKit();
    const run = await kit.run(
      { '1': { class_type: 'test/Value' }, '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } } },
      { signal: AbortSignal.abort() },
    );
    expect(run.status).toBe('cancelled');
    expect(kit.started).toEqual([]);
    expect(eventTypes(run.events)).toEqual(['run:start', 'run:end']);
  });
});

describe('engine: errors', () => {
  it('reports the failing node with id, type, message and cause, and fails the run', async () => {
    const kit = await createTestKit();
    kit.hooks.set('boom', () => {
      throw new Error('kaput', { cause: new TypeError('root cause') });
    });
    const run = await kit.run({
      '7': { class_type: 'test/Hook', inputs: { tag: 'boom' } },
      '8': { class_type: 'test/Sink', inputs: { value: ['7', 0] } },
    });
    expect(run.status).toBe('error');
    expect(run.error).toBeInstanceOf(NodeRunError);
    const error = run.error as NodeRunError;
    expect(error.nodeId).toBe('7');
    expect(error.classType).toBe('test/Hook');
    expect(error.message).toBe('node 7 (test/Hook) failed: kaput');
    expect((error.cause as Error).message).toBe('kaput');
    expect(run.events.filter((e) => e.type === 'node:error')).toEqual([
      { type: 'node:error', runId: run.runId, nodeId: '7', classType: 'test/Hook', message: 'kaput', cause: 'TypeError: root cause' },
    ]);
    expect(run.events.at(-1)).toMatchObject({ type: 'run:end', status: 'error', error: 'node 7 (test/Hook) failed: kaput' });
    expect(kit.started).toEqual(['7']);
  });

  it('fails a node whose run does not return every declared output', async () => {
    const kit = await createTestKit();
    const graph = kit.graph({ '1': { class_type: 'test/Add', inputs: { a: 1 } }, '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } } });
    // Swap in a run that forgets an output (definitions are frozen; the valid node is not).
    const node = graph.nodes.get('1')!;
    (graph.nodes as Map<string, typeof node>).set('1', { ...node, definition: { ...node.definition, run: () => ({ sum: 1 }) } });
    const run = await kit.run(graph);
    expect(run.status).toBe('error');
    expect(run.error!.message).toContain('did not return output negated');
  });

  it('stops the other branches when one fails', async () => {
    const kit = await createTestKit();
    const otherRunning = deferred();
    let otherSignal: AbortSignal | undefined;
    kit.hooks.set('boom', async () => {
      await otherRunning.promise;
      throw new Error('branch A failed');
    });
    kit.hooks.set('long', async (ctx) => {
      otherSignal = ctx.signal;
      otherRunning.resolve();
      await aborted(ctx.signal);
    });
    const run = await kit.run({
      '1': { class_type: 'test/Hook', inputs: { tag: 'boom' } },
      '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } },
      '3': { class_type: 'test/Hook', inputs: { tag: 'long' } },
      '4': { class_type: 'test/Hook', inputs: { in: ['3', 0] } },
      '5': { class_type: 'test/Sink', inputs: { value: ['4', 0] } },
    });
    expect(run.status).toBe('error');
    expect((run.error as NodeRunError).nodeId).toBe('1');
    expect(otherSignal?.aborted).toBe(true);
    expect(kit.started.sort()).toEqual(['1', '3']);
    // One failure, reported once: the branch that stopped because of it is not a second error.
    expect(run.events.filter((e) => e.type === 'node:error').map((e) => (e as { nodeId: string }).nodeId)).toEqual(['1']);
  });

  it('ends the run only after nodes still running have settled (no events after run:end)', async () => {
    const kit = await createTestKit();
    const stubbornStarted = deferred();
    let stubbornFinished = false;
    kit.hooks.set('boom', async () => {
      await stubbornStarted.promise;
      throw new Error('fast failure');
    });
    // Ignores ctx.signal and finishes a few event-loop turns after the failure.
    kit.hooks.set('stubborn', async () => {
      stubbornStarted.resolve();
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      stubbornFinished = true;
    });
    const run = await kit.run({
      '1': { class_type: 'test/Hook', inputs: { tag: 'boom' } },
      '2': { class_type: 'test/Hook', inputs: { tag: 'stubborn' } },
      '3': { class_type: 'test/Hook', inputs: { in: ['1', 0], also: ['2', 0] } },
      '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
    });
    expect(run.status).toBe('error');
    expect(stubbornFinished).toBe(true);
    expect(run.events.at(-1)?.type).toBe('run:end');
    expect(kit.started).not.toContain('3');
  });

  it('removes files an output node already wrote when a later node fails (kept with filesOnFailure: keep)', async () => {
    const kit = await createTestKit();
    for (const pack of builtinPacks) registerPack(pack, kit.registry, true);
    const dir = mkdtempSync(join(tmpdir(), 'exitgraph-engine-'));
    try {
      for (const filesOnFailure of ['remove', 'keep'] as const) {
        const saved = deferred();
        kit.hooks.set('after-save', async () => {
          await saved.promise;
          throw new Error('failed after the save');
        });
        const out = join(dir, filesOnFailure);
        const run = await kit.run(
          {
            '1': { class_type: 'test/Image', inputs: { grey: 1 } },
            '2': { class_type: 'exitgraph/SaveImage', inputs: { image: ['1', 0], filename_prefix: 'kept' } },
            '3': { class_type: 'test/Hook', inputs: { tag: 'after-save' } },
            '4': { class_type: 'test/Sink', inputs: { value: ['3', 0] } },
          },
          {
            workspace: localWorkspace(dir, out),
            filesOnFailure,
            onEvent: (event) => event.type === 'node:done' && event.nodeId === '2' && saved.resolve(),
          },
        );
        expect(run.status).toBe('error');
        expect((run.error as NodeRunError).nodeId).toBe('3');
        const file = join(out, 'kept_00001_.png');
        if (filesOnFailure === 'remove') {
          expect(existsSync(file)).toBe(false);
          expect(run.ui['2']).toBeUndefined();
          continue;
        }
        expect(existsSync(file)).toBe(true);
        expect(JSON.parse(readPngText(readFileSync(file)).prompt!)).toMatchObject({ '2': { class_type: 'exitgraph/SaveImage@1' } });
        expect(run.ui['2']).toEqual({ images: [{ filename: 'kept_00001_.png', subfolder: '', type: 'output' }] });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('engine: events', () => {
  it('reports run start, node start/progress/preview/log/done with ui, and run end, in order', async () => {
    const kit = await createTestKit();
    const preview = createImage(2, 2, 3);
    let context: NodeContext | undefined;
    kit.hooks.set('chatty', (ctx) => {
      context = ctx;
      ctx.progress(1, 2);
      ctx.preview(preview);
      ctx.log.info('halfway');
      ctx.progress(2, 2);
      ctx.log.warn('careful');
      ctx.ui({ text: ['hello'] });
    });
    const run = await kit.run(
      {
        '1': { class_type: 'test/Value' },
        '2': { class_type: 'test/Hook', inputs: { in: ['1', 0], tag: 'chatty' } },
        '3': { class_type: 'test/Sink', inputs: { value: ['2', 0] } },
      },
      { runId: 'run-42', device: 'webgpu' },
    );
    expect(run.status).toBe('success');
    expect(run.runId).toBe('run-42');
    expect(run.events.every((e) => e.runId === 'run-42')).toBe(true);
    expect(run.events[0]).toMatchObject({ type: 'run:start', device: 'webgpu' });
    expect((run.events[0] as { nodes: string[] }).nodes.sort()).toEqual(['1', '2', '3']);
    expect(eventTypes(run.events, '2')).toEqual(['node:start', 'node:progress', 'node:preview', 'node:log', 'node:progress', 'node:log', 'node:done']);
    const nodeEvents = run.events.filter((e) => 'nodeId' in e && e.nodeId === '2');
    expect(nodeEvents[1]).toMatchObject({ done: 1, total: 2 });
    expect(nodeEvents[2]).toMatchObject({ image: preview });
    expect(nodeEvents[3]).toMatchObject({ level: 'info', message: 'halfway' });
    expect(nodeEvents[5]).toMatchObject({ level: 'warn', message: 'careful' });
    expect(nodeEvents[6]).toMatchObject({ type: 'node:done', classType: 'test/Hook', ui: { text: ['hello'] } });
    expect(run.ui).toEqual({ '2': { text: ['hello'] } });
    expect(run.events.at(-1)).toMatchObject({ type: 'run:end', status: 'success' });
    expect(eventTypes(run.events).filter((t) => t.startsWith('run:'))).toEqual(['run:start', 'run:end']);

    expect(context!.device).toBe('webgpu');
    expect(context!.nodeId).toBe('2');
    expect(context!.signal.aborted).toBe(false);
    // The graph as it ran, every type pinned to its version, for output nodes to embed.
    expect(context!.graph.prompt).toEqual({
      '1': { class_type: 'test/Value@1', inputs: {} },
      '2': { class_type: 'test/Hook@1', inputs: { in: ['1', 0], tag: 'chatty' } },
      '3': { class_type: 'test/Sink@1', inputs: { value: ['2', 0] } },
    });
  });

  it('reports cached nodes with node:cached and no start', async () => {
    const kit = await createTestKit();
    const cache = new OutputCache();
    const graph = { '1': { class_type: 'test/Value' }, '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } } };
    await kit.run(graph, { cache });
    const run = await kit.run(graph, { cache });
    expect(eventTypes(run.events)).toEqual(['run:start', 'node:cached', 'node:start', 'node:done', 'run:end']);
  });

  it('replays the ui payload of a cached node', async () => {
    const kit = await createTestKit();
    kit.hooks.set('badge', (ctx) => ctx.ui({ text: ['exit 2'] }));
    const cache = new OutputCache();
    const graph = { '1': { class_type: 'test/Hook', inputs: { tag: 'badge' } }, '2': { class_type: 'test/Sink', inputs: { value: ['1', 0] } } };
    const first = await kit.run(graph, { cache });
    expect(first.ui['1']).toEqual({ text: ['exit 2'] });
    kit.hooks.delete('badge');
    const second = await kit.run(graph, { cache });
    expect(second.cached).toContain('1');
    expect(second.ui['1']).toEqual({ text: ['exit 2'] });
    expect(second.events.find((e) => e.type === 'node:cached')).toMatchObject({ nodeId: '1', ui: { text: ['exit 2'] } });
  });
});
