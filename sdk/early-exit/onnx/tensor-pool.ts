/**
 * Named tensors shared by the sessions of one run. Tensors may live in GPU memory (outputs of
 * sessions created with `outputsOnDevice`); the pool disposes each one as soon as no pending
 * consumer needs it, because GPU tensors are not garbage-collected: until disposed, their
 * buffers stay allocated on the device.
 */
import type * as ort from 'onnxruntime-node';

export class TensorPool {
  readonly #tensors = new Map<string, ort.Tensor>();
  /** Pending consumers per tensor name. */
  readonly #consumers = new Map<string, Set<string>>();
  readonly #pinned = new Set<string>();
  #disposedCount = 0;

  /**
   * @param consumers consumer ids per tensor name: who may still read it. A tensor with no
   *   pending consumer is disposed when added or when its last consumer is marked done.
   */
  constructor(consumers: ReadonlyMap<string, Iterable<string>>) {
    for (const [name, ids] of consumers) this.#consumers.set(name, new Set(ids));
  }

  has(name: string): boolean {
    return this.#tensors.has(name);
  }

  get(name: string): ort.Tensor {
    const tensor = this.#tensors.get(name);
    if (!tensor) throw new Error(`tensor "${name}" is not in the pool (have: ${[...this.#tensors.keys()].join(', ') || 'none'})`);
    return tensor;
  }

  /** Adds a tensor that stays until `dispose()` whatever its consumers (e.g. the model input, owned by the caller). */
  pin(name: string, tensor: ort.Tensor): void {
    this.#pinned.add(name);
    this.#tensors.set(name, tensor);
  }

  /** Adds a session output (released at once if no pending consumer reads it). */
  set(name: string, tensor: ort.Tensor): void {
    this.#tensors.set(name, tensor);
    if (!this.#consumers.get(name)?.size) this.#drop(name);
  }

  /** Marks `consumer` as done with `names`; disposes those that nothing pending needs any more. */
  release(consumer: string, names: Iterable<string>): void {
    for (const name of names) {
      this.#consumers.get(name)?.delete(consumer);
      if (!this.#consumers.get(name)?.size) this.#drop(name);
    }
  }

  /**
   * Narrows every tensor's pending consumers to `pending` (e.g. when a run escalates past an exit,
   * that exit's head will never read its inputs) and releases what nothing pending needs.
   */
  keepOnlyFor(pending: ReadonlySet<string>): void {
    for (const [name, consumers] of this.#consumers) {
      for (const consumer of consumers) if (!pending.has(consumer)) consumers.delete(consumer);
      if (!consumers.size) this.#drop(name);
    }
  }

  /** Where each pooled tensor lives now ('cpu' or 'gpu-buffer'), for checks and reports. */
  locations(): Record<string, string> {
    return Object.fromEntries([...this.#tensors].map(([name, t]) => [name, t.location]));
  }

  /** How many tensors this pool has disposed so far. */
  get disposedCount(): number {
    return this.#disposedCount;
  }

  /** Disposes everything still held. */
  dispose(): void {
    for (const name of [...this.#tensors.keys()]) {
      if (this.#pinned.has(name)) this.#tensors.delete(name);
      else this.#drop(name);
    }
  }

  #drop(name: string): void {
    const tensor = this.#tensors.get(name);
    if (!tensor || this.#pinned.has(name)) return;
    this.#tensors.delete(name);
    // Only device tensors own memory that needs an explicit release; cpu tensors are GC'd.
    if (tensor.location !== 'cpu') tensor.dispose();
    this.#disposedCount++;
  }
}
