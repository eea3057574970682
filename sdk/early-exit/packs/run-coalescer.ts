/**
 * Dynamic batching of one exit's runs: runs from scratch that wait for the runner's turn at the
 * same time (independent generator nodes of one graph, graphs run side by side by `exitgraph
 * batch`) go through the exit's merged model as one batched session run, instead of one run each.
 *
 * A run never waits for company: the batch is whatever queued up behind the runs ahead of it,
 * so a lone run starts as soon as it would have and runs unbatched. Each run keeps its own abort
 * signal (a run cancelled before the batch starts is left out) and its own input (one that fails
 * to pack fails alone). Results equal one-by-one runs up to float rounding (the same graph, with
 * a batch dimension: test/packs/run-coalescing.test.ts).
 */
import * as ort from 'onnxruntime-node';
import { splitBatch } from './batch-tensors.js';

/** One run's share of a session run: its outputs ([1, ...] each) and its share of the time. */
export interface CoalescedRun {
  readonly outputs: Record<string, ort.Tensor>;
  readonly ms: number;
  /** How many runs shared the session run (1: it ran alone). */
  readonly batch: number;
}

/** What a coalescer needs from its runner. */
export interface CoalescerHost {
  /** Runs `job` in the runner's turn (see PackRunner.inTurn). */
  inTurn<T>(job: () => Promise<T>): Promise<T>;
  readonly maxBatch: number;
  /** One input ([1, ...]) through the exit's merged session. */
  runOne(input: ort.Tensor): Promise<Record<string, ort.Tensor>>;
  /** Inputs ([1, ...] each), stacked, through the exit's merged model with a batch dimension; outputs on the CPU. */
  runMany(inputs: readonly ort.Tensor[]): Promise<Record<string, ort.Tensor>>;
}

interface Waiting {
  /** Packs (or returns) the run's input; throws if the run can no longer take place. */
  readonly input: () => ort.Tensor;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (run: CoalescedRun) => void;
  readonly reject: (error: unknown) => void;
}

export class RunCoalescer {
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(private readonly host: CoalescerHost) {}

  /** Runs waiting for their turn, not yet taken into a session run. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs the exit on `input` (called in the run's turn), alone or with whatever waits beside it. */
  run(input: () => ort.Tensor, signal?: AbortSignal): Promise<CoalescedRun> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ input, signal, resolve, reject });
      this.#schedule();
    });
  }

  /** One job in the runner's turns takes every run waiting when its turn comes (up to maxBatch). */
  #schedule(): void {
    if (this.#scheduled || !this.#waiting.length) return;
    this.#scheduled = true;
    void this.host.inTurn(async () => {
      this.#scheduled = false;
      const group = this.#take();
      // Runs past maxBatch, and those that arrive while this one runs, take the next turn.
      this.#schedule();
      if (group.length) await this.#runGroup(group);
    });
  }

  #take(): { item: Waiting; input: ort.Tensor }[] {
    const taken = this.#waiting.splice(0, this.host.maxBatch);
    const group: { item: Waiting; input: ort.Tensor }[] = [];
    for (const item of taken) {
      if (item.signal?.aborted) {
        item.reject(item.signal.reason);
        continue;
      }
      try {
        group.push({ item, input: item.input() });
      } catch (error) {
        item.reject(error);
      }
    }
    return group;
  }

  async #runGroup(group: { item: Waiting; input: ort.Tensor }[]): Promise<void> {
    try {
      const start = performance.now();
      if (group.length === 1) {
        const outputs = await this.host.runOne(group[0]!.input);
        group[0]!.item.resolve({ outputs, ms: performance.now() - start, batch: 1 });
        return;
      }
      const outputs = await this.host.runMany(group.map((g) => g.input));
      const ms = (performance.now() - start) / group.length;
      const items = Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, splitBatch(tensor)]));
      group.forEach(({ item }, i) => {
        const mine = Object.fromEntries(Object.entries(items).map(([name, parts]) => [name, new ort.Tensor('float32', parts[i]!.data, parts[i]!.dims)]));
        item.resolve({ outputs: mine, ms, batch: group.length });
      });
    } catch (error) {
      for (const { item } of group) item.reject(error);
    }
  }
}
