/**
 * `npm run bench:device`: which devices onnxruntime-node can use on this machine (cpu, webgpu,
 * cuda when its provider libraries load), and on each, a pack (default: the shipped landscape
 * pack) at batch 1 and batch 16: time per item, speed-up against cpu measured in the same run,
 * segment chaining with tensors kept in GPU memory on and off (webgpu), and the largest
 * difference of every output to cpu's.
 *
 *   node dist/test/bench/device.js [--quick] [--pack <dir>] [--devices cpu,webgpu,cuda] [--rounds <n>] [--json]
 *
 * --devices: measure only these (cpu is always measured: it is the reference).
 * --quick: the tiny fixture pack, batch 1 and 4, 2 rounds (for software drivers such as Mesa's
 * lavapipe, where webgpu is slow: this checks the path, not its speed).
 * Exits 1 when a device that reports itself available gives outputs that differ from cpu's by
 * more than 1e-3 relative L2, or fails to run.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEVICES, detectDevices, loadModelPack, PackRunner, readPackSplit, SessionCache, type Device, type LoadedModelPack } from '../../sdk/early-exit/index.js';
import { packageRoot } from '../../sdk/index.js';

interface DeviceFigures {
  device: Device;
  available: boolean;
  detail: string;
  /** ms per item, by batch size: one input per run (batch 1) and `batch` inputs per run. */
  msPerItem?: Record<string, number>;
  speedUpVsCpu?: Record<string, number>;
  /** Segment-by-segment escalation (first exit -> full) with GPU-resident tensors on and off, ms. */
  chaining?: { resident: number; throughCpu: number };
  /** Largest relative L2 of any exit output (batch 1, batch, chained) to cpu's. */
  worstRelativeL2ToCpu?: number;
  error?: string;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function relativeL2(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
}

async function timed(fn: () => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function measure(pack: LoadedModelPack, device: Device, batch: number, rounds: number, reference?: Float32Array[][]): Promise<{ figures: Partial<DeviceFigures>; outputs: Float32Array[][] }> {
  const sessions = new SessionCache();
  try {
    const runner = await PackRunner.open(pack, { device, sessions, maxBatch: batch });
    const split = (await readPackSplit(pack, 'test', batch)).labels;
    const inputs = Array.from({ length: batch }, (_, i) => split[i % split.length]!);
    const last = pack.manifest.exits.length - 1;
    // Outputs: per input, exit 0 and the full model, each run alone, batched, and chained.
    const outputs: Float32Array[][] = [];
    for (const input of inputs) outputs.push([(await runner.runExit(input, 0)).data, (await runner.runExit(input, last)).data]);
    const batched = await runner.runBatch(inputs, last);
    batched.forEach((r, i) => outputs[i]!.push(r.data));
    const chain = async (resident: PackRunner): Promise<Float32Array> => {
      const run = resident.begin(inputs[0]!);
      await run.toExit(0);
      const full = await run.escalate(last);
      run.dispose();
      return full.data;
    };
    const residentRunner = await PackRunner.open(pack, { device, sessions, fuse: false, deviceResident: true });
    const cpuPathRunner = await PackRunner.open(pack, { device, sessions, fuse: false, deviceResident: false });
    outputs[0]!.push(await chain(residentRunner), await chain(cpuPathRunner));

    const one = await timed(() => runner.runExit(inputs[0]!, last), rounds);
    const many = (await timed(() => runner.runBatch(inputs, last), rounds)) / batch;
    const chaining = { resident: await timed(() => chain(residentRunner), rounds), throughCpu: await timed(() => chain(cpuPathRunner), rounds) };
    let worst: number | undefined;
    if (reference) {
      worst = 0;
      outputs.forEach((row, i) => row.forEach((data, j) => (worst = Math.max(worst!, relativeL2(data, reference[i]![Math.min(j, reference[i]!.length - 1)]!)))));
    }
    return { figures: { msPerItem: { '1': one, [String(batch)]: many }, chaining, ...(worst !== undefined ? { worstRelativeL2ToCpu: worst } : {}) }, outputs };
  } finally {
    await sessions.clear();
  }
}

export async function deviceBench(argv: readonly string[]): Promise<{ figures: DeviceFigures[]; ok: boolean; pack: string; batch: number }> {
  const { values } = parseArgs({ args: [...argv], options: { quick: { type: 'boolean' }, pack: { type: 'string' }, devices: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'boolean' } } });
  const wanted = new Set<string>(['cpu', ...(values.devices ? values.devices.split(',').map((d) => d.trim()) : DEVICES)]);
  const unknown = [...wanted].filter((d) => !DEVICES.includes(d as Device));
  if (unknown.length) throw new Error(`--devices: unknown device ${unknown.map((d) => `"${d}"`).join(', ')} (devices: ${DEVICES.join(', ')})`);
  const root = packageRoot();
  const landscape = join(root, 'models', 'packs', 'landscape');
  const tiny = join(root, 'test', 'fixtures', 'packs', 'tiny-landscape');
  const dir = values.pack ?? (values.quick || !existsSync(join(landscape, 'manifest.json')) ? tiny : landscape);
  const batch = values.quick ? 4 : 16;
  const rounds = Number(values.rounds ?? (values.quick ? 2 : 9));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${values.rounds}`);
  const pack = await loadModelPack(dir);
  const status = await detectDevices();
  const figures: DeviceFigures[] = [];
  let cpuOutputs: Float32Array[][] | undefined;
  let cpuMs: Record<string, number> | undefined;
  let ok = true;
  for (const device of DEVICES.filter((d) => wanted.has(d))) {
    const s = status[device];
    const entry: DeviceFigures = { device, available: s.available, detail: s.detail };
    figures.push(entry);
    if (!s.available) continue;
    try {
      const { figures: measured, outputs } = await measure(pack, device, batch, rounds, cpuOutputs);
      Object.assign(entry, measured);
      if (device === 'cpu') {
        cpuOutputs = outputs;
        cpuMs = measured.msPerItem;
      } else if (cpuMs) {
        entry.speedUpVsCpu = Object.fromEntries(Object.entries(entry.msPerItem!).map(([b, ms]) => [b, cpuMs![b]! / ms]));
        if ((entry.worstRelativeL2ToCpu ?? 0) > 1e-3) ok = false;
      }
    } catch (error) {
      entry.error = (error as Error).message;
      ok = false;
    }
  }
  return { figures, ok, pack: pack.manifest.name, batch };
}

function print(result: Awaited<ReturnType<typeof deviceBench>>): void {
  console.log(`## Devices (pack ${result.pack}, full model, batch 1 and ${result.batch})`);
  for (const f of result.figures) {
    console.log(`  ${f.device.padEnd(6)}  ${f.available ? 'available' : 'not available'}: ${f.detail}`);
    if (f.error) console.log(`          error: ${f.error}`);
    if (!f.msPerItem) continue;
    for (const [b, ms] of Object.entries(f.msPerItem)) {
      const speedUp = f.speedUpVsCpu?.[b];
      console.log(`          batch ${b.padStart(2)}: ${ms.toFixed(2)} ms per item${speedUp !== undefined ? `, ${speedUp.toFixed(2)}x cpu` : ''}`);
    }
    if (f.chaining) console.log(`          segment chain (exit 0 -> full): ${f.chaining.resident.toFixed(2)} ms with tensors kept on the device, ${f.chaining.throughCpu.toFixed(2)} ms through the CPU${f.device === 'webgpu' ? '' : ' (only webgpu keeps them on the device)'}`);
    if (f.worstRelativeL2ToCpu !== undefined) console.log(`          outputs vs cpu: worst relative L2 ${f.worstRelativeL2ToCpu.toExponential(2)} (limit 1e-3)`);
  }
  console.log(result.ok ? 'ok' : 'FAILED: a device gave wrong outputs or could not run');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await deviceBench(process.argv.slice(2));
  if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else print(result);
  process.exitCode = result.ok ? 0 : 1;
}
