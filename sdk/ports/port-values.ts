import type { Image, LabelMap } from '../image/image.js';
import type { Calibration } from '../routers/define-router.js';

/** What a DifficultyEstimator says about one input: per exit, predicted distance and cost. */
export interface Difficulty {
  /** Pack the estimate is for. */
  readonly pack: string;
  /** Metric the distances are in, e.g. `lpips-alex`. */
  readonly metric: string;
  readonly exits: readonly {
    readonly name: string;
    /** Predicted distance of this exit's output to the full model's output. */
    readonly predicted: number;
    /** Multiply-accumulates to reach this exit from the input. */
    readonly macs: number;
  }[];
  /** MACs spent by the predictor itself. */
  readonly predictorMacs: number;
  /** The pack's calibration set, for risk-controlled routers. */
  readonly calibration?: Calibration;
  /** Measured latency per exit on the device the pack runs on (ms). */
  readonly latencyMs?: readonly number[];
}

/** A router's decision: which exit to take, and why. */
export interface ExitPlan {
  readonly exit: number;
  readonly exitName: string;
  readonly reason: string;
  readonly expectedDistance?: number;
  readonly expectedMacs?: number;
  /** Router-specific extras (e.g. a later exit to escalate to if a check fails). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * TypeScript value of each port type. Plugins that add a port type extend this interface by
 * declaration merging (`declare module 'exitgraph' { interface PortValues { MY_TYPE: Mine } }`).
 */
export interface PortValues {
  IMAGE: Image;
  MASK: Image;
  LABEL_MAP: LabelMap;
  NUMBER: number;
  INT: number;
  STRING: string;
  BOOLEAN: boolean;
  DIFFICULTY: Difficulty;
  EXIT_PLAN: ExitPlan;
  '*': unknown;
}

export type PortValue<T extends string> = T extends keyof PortValues ? PortValues[T] : unknown;
