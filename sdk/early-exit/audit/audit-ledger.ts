import { clopperPearson } from './binomial-interval.js';

/** How a stream is audited: which inputs, against which bar, and how far one tightening goes. */
export interface AuditSpec {
  /** Share of inputs audited (0 < fraction <= 1): every round(1 / fraction)-th input. */
  readonly fraction: number;
  /** A violation is an output further than tau from the full output. */
  readonly tau: number;
  /** The violation rate the router promises. */
  readonly alpha: number;
  /** How much one tightening adds to every predicted distance (in the pack's metric). */
  readonly step: number;
}

/** The audit's running figures for one stream. */
export interface AuditFigures {
  readonly audited: number;
  readonly violations: number;
  readonly rate: number;
  /** 95% Clopper-Pearson interval of the violation rate over all audited inputs. */
  readonly interval: readonly [number, number];
  /** Times the router was tightened, and the margin now added to its predictions. */
  readonly tightenings: number;
  readonly offset: number;
  readonly tightened: boolean;
}

/**
 * One stream's audit, adaptive-conformal style: every audited input's true distance is a trial;
 * when the 95% interval of the violation rate since the last tightening lies wholly above alpha,
 * the router is tightened by one step (its predictions read `step` higher, which is its lambda or
 * tau lowered by `step`) and the evidence starts afresh, so one bad spell tightens once, not on
 * every audit that follows.
 */
export class AuditLedger {
  readonly every: number;
  #inputs = 0;
  #audited = 0;
  #violations = 0;
  #sinceAudited = 0;
  #sinceViolations = 0;
  #tightenings = 0;

  constructor(readonly spec: AuditSpec) {
    if (!(spec.fraction > 0 && spec.fraction <= 1)) throw new Error(`audit fraction must be in (0, 1], got ${spec.fraction}`);
    this.every = Math.max(1, Math.round(1 / spec.fraction));
  }

  /** Counts one input; true when it is one to audit (deterministic: every `every`-th). */
  nextInput(): boolean {
    this.#inputs += 1;
    return this.#inputs % this.every === 0;
  }

  get offset(): number {
    return this.#tightenings * this.spec.step;
  }

  /** Records an audited input's true distance; tightens when the evidence says the rate is above alpha. */
  record(distance: number): AuditFigures {
    const violation = distance > this.spec.tau;
    this.#audited += 1;
    this.#sinceAudited += 1;
    if (violation) {
      this.#violations += 1;
      this.#sinceViolations += 1;
    }
    if (clopperPearson(this.#sinceViolations, this.#sinceAudited)[0] > this.spec.alpha) {
      this.#tightenings += 1;
      this.#sinceAudited = 0;
      this.#sinceViolations = 0;
    }
    return this.figures();
  }

  figures(): AuditFigures {
    return {
      audited: this.#audited,
      violations: this.#violations,
      rate: this.#audited ? this.#violations / this.#audited : 0,
      interval: clopperPearson(this.#violations, this.#audited),
      tightenings: this.#tightenings,
      offset: this.offset,
      tightened: this.#tightenings > 0,
    };
  }
}
