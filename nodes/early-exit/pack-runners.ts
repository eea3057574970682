import { PackRunner, type Device } from '../../sdk/index.js';

/**
 * Pack runners shared by every early-exit node in the process: one per (pack, device), opened on
 * first use (sessions created and warmed up once), plus the latency each exit has really taken
 * on that device, for deadline routers.
 */
const runners = new Map<string, Promise<PackRunner>>();
const latencies = new Map<string, number[]>();

/** Weight of a new measurement in the running per-exit latency. */
const SMOOTHING = 0.3;

export function packRunner(pack: string, device: string): Promise<PackRunner> {
  const key = `${pack}|${device}`;
  let runner = runners.get(key);
  if (!runner) {
    runner = PackRunner.open(pack, { device: device as Device });
    // A pack that failed to open (missing file, bad manifest) is retried on the next run.
    runner.catch(() => runners.delete(key));
    runners.set(key, runner);
  }
  return runner;
}

export function recordExitLatency(runner: PackRunner, exit: number, ms: number): void {
  const key = `${runner.pack.dir}|${runner.device.device}`;
  const known = latencies.get(key) ?? new Array<number>(runner.pack.manifest.exits.length).fill(Number.NaN);
  const before = known[exit]!;
  known[exit] = Number.isFinite(before) ? before + SMOOTHING * (ms - before) : ms;
  latencies.set(key, known);
}

/** Measured latency per exit on this runner's device (NaN where not yet measured). */
export function exitLatencies(runner: PackRunner): number[] | undefined {
  return latencies.get(`${runner.pack.dir}|${runner.device.device}`);
}
