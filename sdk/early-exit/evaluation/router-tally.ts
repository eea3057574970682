import { mean } from './statistics.js';

/** How one router does on an evaluated split. */
export interface RouterFigures {
  readonly router: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly n: number;
  /** Mean fraction of the full model's MACs saved (predictor cost included where it is used). */
  readonly macs_saved: number;
  /** Mean fraction of the full model's latency saved on the evaluation device. */
  readonly latency_saved: number;
  /** Fraction of inputs whose chosen exit is further than tau from the full output. */
  readonly violation_rate: number;
  /** Mean distance of the chosen exit's output to the full output. */
  readonly mean_lpips: number;
  /** Fraction of inputs per exit. */
  readonly exit_histogram: readonly number[];
  /** Inputs the novelty check moved to the full model. */
  readonly novel_escalated: number;
}

/**
 * What a router's choices on an evaluated split add up to: the exit histogram, MACs and time
 * saved, distances to the full output and violations of tau. Shared by the router evaluation and
 * the audit replay, which differ only in what an input costs.
 */
export class RouterTally {
  readonly #histogram: number[];
  readonly #saved: number[] = [];
  readonly #latencySaved: number[] = [];
  readonly #distances: number[] = [];
  #violations = 0;
  #escalated = 0;

  constructor(
    exits: number,
    private readonly tau: number,
    private readonly fullMacs: number,
    private readonly fullLatencyMs: number,
  ) {
    this.#histogram = new Array<number>(exits).fill(0);
  }

  /** One input: the exit taken, what it cost, its measured distance; whether novelty escalated it. */
  record(exit: number, macs: number, latencyMs: number, distance: number, escalated: boolean): boolean {
    this.#histogram[exit]! += 1;
    this.#saved.push(1 - macs / this.fullMacs);
    this.#latencySaved.push(1 - latencyMs / this.fullLatencyMs);
    this.#distances.push(distance);
    if (escalated) this.#escalated += 1;
    const violation = distance > this.tau;
    if (violation) this.#violations += 1;
    return violation;
  }

  get violations(): number {
    return this.#violations;
  }

  figures(router: string, params: Readonly<Record<string, unknown>>): RouterFigures {
    const n = this.#saved.length;
    return {
      router,
      params,
      n,
      macs_saved: mean(this.#saved),
      latency_saved: mean(this.#latencySaved),
      violation_rate: this.#violations / n,
      mean_lpips: mean(this.#distances),
      exit_histogram: this.#histogram.map((c) => c / n),
      novel_escalated: this.#escalated,
    };
  }
}
