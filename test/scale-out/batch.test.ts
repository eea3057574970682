import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../sdk/index.js';
import { exitgraph } from '../cli/cli-harness.js';
import { maxAbsDiff } from '../packs/helpers.js';
import { makeWorkspace, root, startRedis, startWorker, type Child, type RedisInstance } from './scale-harness.js';

const graph = join(root, 'examples', 'graphs', 'resize-and-blend.json');
const inputs = ['sunset.png', 'stripes.png', 'simple-labels.png'];

describe('exitgraph batch', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'exitgraph-batch-'));
  });
  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it('runs one prompt per file locally, names outputs after the inputs, and resumes', async () => {
    const over = join(scratch, 'local-in');
    const out = join(scratch, 'local-out');
    await mkdir(over, { recursive: true });
    for (const name of inputs.slice(0, 2)) await copyFile(join(root, 'examples', 'inputs', name), join(over, name));
    const args = ['batch', graph, '--over', over, '--set', '2.image={file}', '--out', out, '--device', 'cpu'];
    const first = await exitgraph(args);
    expect(first.code, first.stderr).toBe(0);
    // Inputs run side by side (--parallel): either may finish second.
    expect(first.stderr).toMatch(/\[2\/2\] (sunset|stripes)\.png -> \1_00001_\.png \(ETA \d+ s\)/);
    expect((await readdir(out)).filter((f) => f.endsWith('.png')).sort()).toEqual(['stripes_00001_.png', 'sunset_00001_.png']);

    // A new file: only it runs; the two done before are skipped, not written again.
    await copyFile(join(root, 'examples', 'inputs', inputs[2]!), join(over, inputs[2]!));
    const second = await exitgraph(args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('3 inputs');
    expect(second.stderr).toContain('2 already done (skipped)');
    expect(second.stdout).toContain('batch: 1 done, 2 skipped, 0 failed');
    expect((await readdir(out)).filter((f) => f.endsWith('.png')).sort()).toEqual(['simple-labels_00001_.png', 'stripes_00001_.png', 'sunset_00001_.png']);
    const state = (await readFile(join(out, '.exitgraph-batch.jsonl'), 'utf8')).trim().split('\n');
    expect(state).toHaveLength(3);
  }, 60_000);

  it('runs inputs side by side through one pack with the pixels of one-at-a-time runs', async () => {
    const over = join(scratch, 'maps-in');
    await mkdir(over, { recursive: true });
    const maps = ['landscape-easy-1.png', 'landscape-easy-2.png', 'landscape-hard-1.png', 'landscape-medium-1.png'];
    for (const name of maps) await copyFile(join(root, 'examples', 'label-maps', name), join(over, name));
    const landscape = join(root, 'examples', 'graphs', 'landscape-threshold.json');
    const outputs: Record<string, Float32Array>[] = [];
    for (const parallel of ['1', '4']) {
      const out = join(scratch, `maps-out-${parallel}`);
      const run = await exitgraph(['batch', landscape, '--over', over, '--set', '1.path={file}', '--out', out, '--device', 'cpu', '--parallel', parallel]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('batch: 4 done, 0 skipped, 0 failed');
      const files = (await readdir(out)).filter((f) => f.startsWith('landscape-') && f.endsWith('.png')).sort();
      expect(files).toHaveLength(4);
      outputs.push(Object.fromEntries(await Promise.all(files.map(async (f) => [f, (await readImageFile(join(out, f))).data] as const))));
    }
    for (const [file, pixels] of Object.entries(outputs[0]!)) {
      const other = outputs[1]![file]!;
      expect(other.length).toBe(pixels.length);
      // A batched run equals a lone one up to float rounding: at most one level of 255 apart.
      expect(maxAbsDiff(other, pixels)).toBeLessThanOrEqual(1 / 255 + 1e-6);
    }
    const bad = await exitgraph(['batch', landscape, '--over', over, '--set', '1.path={file}', '--parallel', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--parallel.*expected a positive integer, got 0/);
  });

  it('needs a {file} placeholder and names the missing folder', async () => {
    const noPlaceholder = await exitgraph(['batch', graph, '--over', scratch, '--set', '2.image=x.png']);
    expect(noPlaceholder.code).toBe(2);
    expect(noPlaceholder.stderr).toContain('{file}');
    const missing = await exitgraph(['batch', graph, '--over', join(scratch, 'nope'), '--set', '2.image={file}']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(scratch, 'nope'));
  });

  describe('through the queue', () => {
    let redis: RedisInstance;
    let workspace: string;
    let worker: Child;
    beforeAll(async () => {
      redis = await startRedis();
      workspace = await makeWorkspace();
      worker = await startWorker(redis.url, workspace, [], 3000);
    }, 60_000);
    afterAll(async () => {
      await worker?.stop();
      await redis?.destroy();
      if (workspace) await rm(workspace, { recursive: true, force: true });
    });

    it('queues one prompt per file for the workers, with the same pixels as a local batch, and resumes', async () => {
      const over = join(workspace, 'input', 'frames');
      await mkdir(over, { recursive: true });
      for (const name of inputs) await copyFile(join(root, 'examples', 'inputs', name), join(over, name));
      // Node 1 reads the workspace's own copy of sunset.png (workers resolve inputs there).
      const args = ['batch', graph, '--over', over, '--set', '2.image={file}', '--set', '1.image=sunset.png', '--queue', redis.url, '--workspace', workspace];
      const queued = await exitgraph(args);
      expect(queued.code, queued.stderr).toBe(0);
      expect(queued.stdout).toContain('batch: 3 done, 0 skipped, 0 failed');
      const out = join(workspace, 'output', 'resize-and-blend');
      expect((await readdir(out)).filter((f) => f.endsWith('.png')).sort()).toEqual(['simple-labels_00001_.png', 'stripes_00001_.png', 'sunset_00001_.png']);

      const local = join(workspace, 'local-out');
      const here = await exitgraph(['batch', graph, '--over', over, '--set', '2.image={file}', '--set', `1.image=${join(workspace, 'input', 'sunset.png')}`, '--out', local, '--device', 'cpu']);
      expect(here.code, here.stderr).toBe(0);
      for (const name of ['simple-labels_00001_.png', 'stripes_00001_.png', 'sunset_00001_.png']) {
        const [a, b] = await Promise.all([readImageFile(join(out, name)), readImageFile(join(local, name))]);
        expect(Array.from(a.data)).toEqual(Array.from(b.data));
      }

      const again = await exitgraph(args);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toContain('batch: 0 done, 3 skipped, 0 failed');
      expect((await readdir(out)).filter((f) => f.endsWith('.png'))).toHaveLength(3);
    }, 90_000);
  });
});
