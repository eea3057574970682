/**
 * One run in flight per accelerator. A GPU (or lavapipe's emulation of one) gains nothing from
 * interleaved submissions from independent graph branches and its memory is shared, so runs on
 * webgpu and cuda are serialized in arrival order; cpu runs go straight through (onnxruntime's
 * own thread pool divides the cores).
 */
import { isAccelerator, type Device } from './devices.js';

export class DeviceRunQueue {
  readonly #tails = new Map<Device, Promise<unknown>>();
  readonly #inFlight = new Map<Device, number>();

  /** Runs `job` when `device` is free (immediately on cpu); resolves with its result. */
  run<T>(device: Device, job: () => Promise<T>): Promise<T> {
    if (!isAccelerator(device)) return this.#track(device, job);
    const previous = this.#tails.get(device) ?? Promise.resolve();
    // Chain on the previous job's settlement, not its success: one failed run must not block the queue.
    const next = previous.then(
      () => this.#track(device, job),
      () => this.#track(device, job),
    );
    const tail = next.catch(() => undefined);
    this.#tails.set(device, tail);
    void tail.then(() => {
      if (this.#tails.get(device) === tail) this.#tails.delete(device);
    });
    return next;
  }

  /** How many jobs are running on `device` right now (at most 1 on an accelerator). */
  inFlight(device: Device): number {
    return this.#inFlight.get(device) ?? 0;
  }

  async #track<T>(device: Device, job: () => Promise<T>): Promise<T> {
    this.#inFlight.set(device, this.inFlight(device) + 1);
    try {
      return await job();
    } finally {
      this.#inFlight.set(device, this.inFlight(device) - 1);
    }
  }
}

/** The process-wide queue that sessions from the default session cache run through. */
export const deviceRunQueue = new DeviceRunQueue();
