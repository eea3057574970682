import { utimes, writeFile, mkdtemp, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { chooseDevice, detectDevices, DeviceUnavailableError, hasGpuDeviceNode, probeDevice } from '../../sdk/early-exit/index.js';
import { OnnxGraphBuilder } from '../../sdk/early-exit/index.js';
import { DeviceRunQueue } from '../../sdk/early-exit/index.js';
import { modelKey, SessionCache, sessionOptions } from '../../sdk/early-exit/index.js';
import { fixturePack } from '../packs/helpers.js';

function doubler(): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.input('x', 'float32', ['N', 4]);
  g.node('Add', ['x', 'x'], ['y']);
  g.output('y', 'float32', ['N', 4]);
  return g.toBytes();
}

describe('devices', () => {
  it('cpu is always available and an explicit cpu request probes no GPU', async () => {
    const choice = await chooseDevice('cpu');
    expect(choice).toMatchObject({ device: 'cpu', requested: 'cpu', reason: 'cpu was requested', available: { cpu: true } });
  });

  it('auto picks cuda > webgpu on a real GPU > cpu and says why', async () => {
    const status = await detectDevices();
    const choice = await chooseDevice('auto');
    // A webgpu adapter without a GPU device node is a software driver: auto prefers cpu then.
    const expected = status.cuda.available ? 'cuda' : status.webgpu.available && hasGpuDeviceNode() ? 'webgpu' : 'cpu';
    expect(choice.device).toBe(expected);
    expect(choice.reason).toMatch(/^auto: /);
    if (!status.cuda.available) expect(choice.reason).toContain(status.cuda.detail);
    if (!hasGpuDeviceNode()) expect(choice.reason).toMatch(/software driver: cpu is faster/);
  });

  it('an unavailable device is an error naming it and how to enable it', async () => {
    const cuda = await probeDevice('cuda');
    if (cuda.available) return; // nothing to check on a CUDA machine
    const error = await chooseDevice('cuda').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeviceUnavailableError);
    expect((error as Error).message).toMatch(/^device "cuda" is not available here \(.+\)\. To enable it: .*ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/);
    await expect(new SessionCache().get(doubler(), { device: 'cuda' })).rejects.toThrow(DeviceUnavailableError);
    await expect(chooseDevice('tpu' as never)).rejects.toThrow(/unknown device "tpu"; expected one of cpu, webgpu, cuda, auto/);
  });
});

describe('SessionCache', () => {
  it('creates one session per model per device, keyed by content for bytes', async () => {
    const cache = new SessionCache();
    const a = await cache.get(doubler(), { device: 'cpu' });
    const b = await cache.get(doubler(), { device: 'cpu' });
    expect(b).toBe(a);
    const [c, d] = await Promise.all([cache.get(doubler(), { device: 'cpu', warmUp: false }), cache.get(doubler(), { device: 'cpu' })]);
    expect(c).toBe(a);
    expect(d).toBe(a);
    expect(cache.size).toBe(1);
    const { y } = await a.run({ x: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 4]) });
    expect(Array.from(y!.data as Float32Array)).toEqual([2, 4, 6, 8]);
    await cache.clear();
    expect(cache.size).toBe(0);
  });

  it('keys files by path, size and modification time, so a rebuilt model is reloaded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'exitgraph-sessions-'));
    const file = join(dir, 'm.onnx');
    await writeFile(file, doubler());
    const before = await modelKey(file);
    await utimes(file, new Date(), new Date(Date.now() + 5000));
    expect(await modelKey(file)).not.toBe(before);
    const cache = new SessionCache();
    await copyFile(fixturePack('tiny-image') + '/head1.onnx', join(dir, 'h.onnx'));
    const s = await cache.get(join(dir, 'h.onnx'), { device: 'cpu' });
    expect(s.inputNames).toEqual(['ifeat1']);
    expect(s.outputNames).toEqual(['rgb1']);
    await cache.clear();
  });

  it('tunes session options to the machine and only asks for GPU outputs where they exist', () => {
    const cpu = sessionOptions({ device: 'cpu', outputsOnDevice: true });
    expect(cpu).toMatchObject({ executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    expect(cpu.intraOpNumThreads).toBeGreaterThanOrEqual(1);
    expect(cpu.preferredOutputLocation).toBeUndefined();
    expect(sessionOptions({ device: 'webgpu', outputsOnDevice: true }).preferredOutputLocation).toBe('gpu-buffer');
    // onnxruntime-node's IO binding knows WebGPU buffers only: cuda outputs come back to the CPU.
    expect(sessionOptions({ device: 'cuda', outputsOnDevice: true }).preferredOutputLocation).toBeUndefined();
  });
});

describe('DeviceRunQueue', () => {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it('runs one job at a time per accelerator, in order, and survives a failed job', async () => {
    const queue = new DeviceRunQueue();
    const order: string[] = [];
    let peak = 0;
    const job = (name: string, fail = false) => async () => {
      peak = Math.max(peak, queue.inFlight('webgpu'));
      order.push(`start ${name}`);
      await sleep(10);
      order.push(`end ${name}`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
    const results = await Promise.allSettled([queue.run('webgpu', job('a')), queue.run('webgpu', job('b', true)), queue.run('webgpu', job('c'))]);
    expect(peak).toBe(1);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('lets cpu jobs run concurrently', async () => {
    const queue = new DeviceRunQueue();
    let peak = 0;
    const job = async () => {
      peak = Math.max(peak, queue.inFlight('cpu'));
      await sleep(10);
    };
    await Promise.all([queue.run('cpu', job), queue.run('cpu', job), queue.run('cpu', job)]);
    expect(peak).toBe(3);
  });
});
