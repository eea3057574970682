import { defineService, type ServiceLookup } from '../../kernel/host/host-services.js';
import type { Device } from '../onnx/devices.js';
import { ONNX_SESSIONS } from '../onnx/sessions.js';
import { resolvePackName } from './find-pack.js';
import type { LabelMap } from '../../kernel/image/image.js';
import type { NoveltyReference, NoveltyScore } from '../novelty/novelty-reference.js';
import { calibrationWithNovelty, readNoveltyReference } from '../novelty/read-novelty.js';
import type { Calibration } from '../plans.js';
import { PackRunner } from './pack-runner.js';
import { PackLoadError } from './pack-problems.js';

/** Weight of a new measurement in the running per-exit latency. */
const SMOOTHING = 0.3;

/**
 * The pack runners of one host: one per (pack, device), opened on first use (sessions created
 * and warmed up once, from the host's session cache), plus the latency each exit has really
 * taken on that device, for deadline routers.
 */
export class PackRunners {
  readonly #runners = new Map<string, Promise<PackRunner>>();
  readonly #latencies = new Map<string, number[]>();
  /** Novelty references by pack folder, read on first use. */
  readonly #novelty = new Map<string, Promise<NoveltyReference | undefined>>();
  /** Calibration sets with novelty distances, by pack folder. */
  readonly #calibrations = new Map<string, Promise<Calibration | undefined>>();
  #allowPaths = false;

  constructor(private readonly services: ServiceLookup) {}

  /**
   * Whether nodes may name a pack by folder path, not only by name. Off by default (the server:
   * a prompt names packs in the packs folders, nothing else); the CLI turns it on for local use.
   */
  allowPackPaths(allow: boolean): void {
    this.#allowPaths = allow;
  }

  /** The runner of a pack (by name, or folder path where allowed) on a device. */
  runner(pack: string, device: string): Promise<PackRunner> {
    const key = `${pack}|${device}`;
    let runner = this.#runners.get(key);
    if (!runner) {
      runner = this.#open(pack, device);
      // A pack that failed to open (missing file, bad manifest) is retried on the next run.
      runner.catch(() => this.#runners.delete(key));
      this.#runners.set(key, runner);
    }
    return runner;
  }

  async #open(pack: string, device: string): Promise<PackRunner> {
    const options = { device: device as Device, sessions: this.services.get(ONNX_SESSIONS) };
    if (this.#allowPaths) return PackRunner.open(pack, options);
    const dir = resolvePackName(pack);
    try {
      return await PackRunner.open(dir, options);
    } catch (error) {
      // Name the pack as the graph did, not by the folder it lives in on this machine.
      if (error instanceof PackLoadError) throw new PackLoadError(pack, error.problems);
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(message.split(dir).join(`<pack ${pack}>`), { cause: error });
    }
  }

  recordLatency(runner: PackRunner, exit: number, ms: number): void {
    const key = latencyKey(runner);
    const known = this.#latencies.get(key) ?? new Array<number>(runner.pack.manifest.exits.length).fill(Number.NaN);
    const before = known[exit] ?? Number.NaN;
    known[exit] = Number.isFinite(before) ? before + SMOOTHING * (ms - before) : ms;
    this.#latencies.set(key, known);
  }

  /** Measured latency per exit on this runner's device (NaN where not yet measured). */
  latencies(runner: PackRunner): number[] | undefined {
    return this.#latencies.get(latencyKey(runner));
  }

  /**
   * How unlike the pack's calibration maps a label map is (undefined when the pack ships no
   * novelty maps). The reference is read once per pack and host.
   */
  async novelty(runner: PackRunner, map: LabelMap): Promise<NoveltyScore | undefined> {
    return (await this.#reference(runner))?.score(map);
  }

  /**
   * The pack's calibration set, with its inputs' novelty distances where the pack ships novelty
   * maps. One object per pack and host, so routers fit it once.
   */
  async calibration(runner: PackRunner): Promise<Calibration | undefined> {
    const own = runner.pack.calibration;
    if (!own) return undefined;
    const dir = runner.pack.dir;
    let calibration = this.#calibrations.get(dir);
    if (!calibration) {
      calibration = this.#reference(runner).then((reference) => calibrationWithNovelty(runner.pack, reference));
      calibration.catch(() => this.#calibrations.delete(dir));
      this.#calibrations.set(dir, calibration);
    }
    return calibration;
  }

  #reference(runner: PackRunner): Promise<NoveltyReference | undefined> {
    const dir = runner.pack.dir;
    let reference = this.#novelty.get(dir);
    if (!reference) {
      reference = readNoveltyReference(runner.pack);
      reference.catch(() => this.#novelty.delete(dir));
      this.#novelty.set(dir, reference);
    }
    return reference;
  }

  /** Forgets every runner (their sessions stay in the host's session cache until it is cleared). */
  clear(): void {
    this.#runners.clear();
    this.#latencies.clear();
    this.#novelty.clear();
    this.#calibrations.clear();
  }
}

function latencyKey(runner: PackRunner): string {
  return `${runner.pack.dir}|${runner.device.device}`;
}

export const PACK_RUNNERS = defineService('exitgraph/pack-runners', (services) => new PackRunners(services));
