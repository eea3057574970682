/**
 * Execution devices: what exists on this machine, and which one `auto` picks.
 *
 * Availability is tested, never assumed: onnxruntime-node lists `webgpu` as bundled even on a
 * machine with no Vulkan driver, and lists `cuda` whether or not its provider libraries were
 * installed. So a device counts as available only when a tiny session can actually be created
 * and run on it; the answer is cached for the life of the process.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxGraphBuilder } from './graph-builder.js';

export type Device = 'cpu' | 'webgpu' | 'cuda';
export type DeviceRequest = Device | 'auto';

export const DEVICES: readonly Device[] = ['cpu', 'webgpu', 'cuda'];

/** What probing one device found. */
export interface DeviceStatus {
  readonly device: Device;
  readonly available: boolean;
  /** Why it is unavailable (the runtime's own message), or a short note when available. */
  readonly detail: string;
  /** How to make it available, when it is not. */
  readonly howToEnable?: string;
}

export type DeviceAvailability = Readonly<Record<Device, DeviceStatus>>;

/** The device a run will use, and why. */
export interface DeviceChoice {
  readonly device: Device;
  readonly requested: DeviceRequest;
  readonly reason: string;
  /** What the choice found out, per device probed (an explicit request probes only that device). */
  readonly available: Readonly<Partial<Record<Device, boolean>>>;
}

export const HOW_TO_ENABLE: Readonly<Record<Device, string>> = {
  cpu: 'always available',
  webgpu:
    'webgpu needs a Vulkan driver: on a GPU machine its vendor driver; without a GPU, Mesa lavapipe ' +
    '(Debian: add bookworm-backports, then `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`) ' +
    'and XDG_RUNTIME_DIR set to a writable folder',
  cuda:
    'cuda needs onnxruntime-node\'s CUDA provider libraries and CUDA 12 on an NVIDIA machine: ' +
    'run `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` ' +
    '(the project denies that script at install time, so `npm rebuild` skips it)',
};

export class DeviceUnavailableError extends Error {
  constructor(
    readonly device: Device,
    readonly detail: string,
  ) {
    super(`device "${device}" is not available here (${detail}). To enable it: ${HOW_TO_ENABLE[device]}`);
    this.name = 'DeviceUnavailableError';
  }
}

/**
 * The execution-provider list for a session on `device`. No cpu fallback: a device means that
 * device. webgpu is pinned to the NCHW layout: in onnxruntime-node 1.30 its default (NHWC) Conv
 * path computes wrong values for some channel counts (e.g. 3x3 Conv with 6, 9, 15 or 18 input
 * channels and 4, 8 or 12 outputs: relative error ~1 on lavapipe; the landscape pack's refine
 * conv, 8 + 10 label channels, hits it), while NCHW matches cpu. test/onnx checks both.
 */
export function executionProviders(device: Device): ort.InferenceSession.ExecutionProviderConfig[] {
  if (device === 'webgpu') return [{ name: 'webgpu', preferredLayout: 'NCHW' }];
  return [device];
}

let probeModel: Uint8Array | undefined;
/** A Conv + Relu model: enough to compile real GPU kernels, small enough to cost milliseconds. */
function probeBytes(): Uint8Array {
  if (probeModel) return probeModel;
  const g = new OnnxGraphBuilder({ graphName: 'exitgraph-device-probe' });
  g.input('x', 'float32', [1, 2, 4, 4]);
  g.initializer('w', new Float32Array(2 * 2 * 9).fill(0.1), [2, 2, 3, 3]);
  const conv = g.op('Conv', ['x', 'w'], { pads: [1, 1, 1, 1] });
  g.node('Relu', [conv], ['y']);
  g.output('y', 'float32', [1, 2, 4, 4]);
  return (probeModel = g.toBytes());
}

/**
 * Where onnxruntime-node keeps its native libraries; the CUDA provider must be installed there.
 * Checking the file first avoids asking the runtime to load a library that is not there, which
 * it reports as a loud error on stderr.
 */
function cudaProviderLibrary(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    const file = join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so');
    return file;
  } catch {
    return undefined;
  }
}

async function probe(device: Device): Promise<DeviceStatus> {
  if (device === 'cpu') return { device, available: true, detail: 'onnxruntime-node cpu provider' };
  const listed = ort.listSupportedBackends().find((b) => b.name === device);
  if (!listed) return { device, available: false, detail: 'onnxruntime-node does not list this provider', howToEnable: HOW_TO_ENABLE[device] };
  if (device === 'cuda') {
    const library = cudaProviderLibrary();
    if (!library || !existsSync(library)) {
      return { device, available: false, detail: 'onnxruntime-node was installed without its CUDA provider libraries', howToEnable: HOW_TO_ENABLE[device] };
    }
  }
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(probeBytes(), { executionProviders: executionProviders(device), logSeverityLevel: 4 });
    const x = new ort.Tensor('float32', new Float32Array(32).fill(1), [1, 2, 4, 4]);
    const { y } = await session.run({ x });
    const data = (await y!.getData()) as Float32Array;
    y!.dispose();
    // Every output is relu(sum of up to 18 taps of 0.1): a wrong number means a broken driver.
    if (!(data[5]! > 1.7 && data[5]! < 1.9)) throw new Error(`probe model computed ${data[5]} instead of 1.8`);
    return { device, available: true, detail: listed.bundled ? 'bundled provider, probe model ran' : 'provider libraries loaded, probe model ran' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { device, available: false, detail: firstLine(message), howToEnable: HOW_TO_ENABLE[device] };
  } finally {
    await session?.release().catch(() => undefined);
  }
}

/** The runtime's message without its C++ source location, which tells a user nothing. */
function firstLine(message: string): string {
  let line = message.split('\n').find((l) => l.trim()) ?? message;
  const assertion = /\bwas false\. (.+)$/.exec(line);
  if (assertion) line = assertion[1]!;
  line = line.replace(/^\/onnxruntime_src\/\S+ /, '');
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

const probes = new Map<Device, Promise<DeviceStatus>>();

/** Probes one device, once per process (concurrent callers share the probe). */
export function probeDevice(device: Device): Promise<DeviceStatus> {
  let pending = probes.get(device);
  if (!pending) {
    pending = probe(device);
    probes.set(device, pending);
  }
  return pending;
}

/** Probes every device (once per process). */
export async function detectDevices(): Promise<DeviceAvailability> {
  // Sequential on purpose: two providers initialising GPU drivers at once gains nothing.
  const cpu = await probeDevice('cpu');
  const cuda = await probeDevice('cuda');
  const webgpu = await probeDevice('webgpu');
  return { cpu, webgpu, cuda };
}

/**
 * Resolves a device request. `auto` prefers cuda, then webgpu, then cpu, and says which it picked
 * and why; an explicit device that is not available throws DeviceUnavailableError (never a silent
 * fallback: a user asking for a GPU must learn that they did not get one). Only the devices that
 * had to be probed are probed: an explicit `cpu` touches no GPU driver.
 */
export async function chooseDevice(requested: DeviceRequest = 'auto'): Promise<DeviceChoice> {
  if (requested !== 'auto' && !DEVICES.includes(requested)) {
    throw new Error(`unknown device "${requested as string}"; expected one of ${[...DEVICES, 'auto'].join(', ')}`);
  }
  const available: Partial<Record<Device, boolean>> = { cpu: true };
  if (requested !== 'auto') {
    const status = await probeDevice(requested);
    available[requested] = status.available;
    if (!status.available) throw new DeviceUnavailableError(requested, status.detail);
    return { device: requested, requested, reason: `${requested} was requested`, available };
  }
  const cuda = await probeDevice('cuda');
  available.cuda = cuda.available;
  if (cuda.available) return { device: 'cuda', requested, reason: 'auto: cuda provider libraries load', available };
  if (!hasGpuDeviceNode()) {
    // Any Vulkan adapter here is a software rasteriser (e.g. Mesa lavapipe): correct but far
    // slower than the cpu provider, so auto does not pick it (and does not pay its start-up).
    return { device: 'cpu', requested, reason: `auto: no cuda (${cuda.detail}); no GPU device (${GPU_DEVICE_NODES}), so webgpu could only run on a software driver: cpu is faster (--device webgpu forces it)`, available };
  }
  const webgpu = await probeDevice('webgpu');
  available.webgpu = webgpu.available;
  if (webgpu.available) return { device: 'webgpu', requested, reason: `auto: no cuda (${cuda.detail}); a webgpu adapter exists`, available };
  return { device: 'cpu', requested, reason: `auto: no cuda (${cuda.detail}); no webgpu (${webgpu.detail})`, available };
}

const GPU_DEVICE_NODES = '/dev/dri/renderD*, /dev/nvidia*';

/**
 * Does this machine expose a GPU to user space? On Linux every hardware GPU driver (amdgpu,
 * i915, nouveau, NVIDIA's) creates /dev/dri/renderD* or /dev/nvidia*; without one, Vulkan can
 * only be a software implementation. Other platforms are assumed to have one.
 */
export function hasGpuDeviceNode(): boolean {
  if (process.platform !== 'linux') return true;
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  return list('/dev/dri').some((name) => name.startsWith('renderD')) || list('/dev').some((name) => /^nvidia\d+$/.test(name));
}

/** True for devices whose tensors can live off the CPU and whose runs should not overlap. */
export function isAccelerator(device: Device): boolean {
  return device !== 'cpu';
}
