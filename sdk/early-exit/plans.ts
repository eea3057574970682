/**
 * The values that travel between early-exit nodes: a difficulty estimate (DIFFICULTY) and an exit
 * plan (EXIT_PLAN), with the port types that carry them. The kernel knows neither; the early-exit
 * pack registers the port types and this file types them by declaration merging.
 */
import { definePortType } from '../kernel/ports/port-type.js';
import type { AuditFigures } from './audit/audit-ledger.js';
import type { NoveltyScore } from './novelty/novelty-reference.js';

/**
 * Held-out evidence for risk control: for each calibration input, the predictor's distance and the
 * measured distance (metric of exit output vs full output), per exit. Row i, column k = input i,
 * exit k.
 */
export interface Calibration {
  readonly metric: string;
  readonly predicted: readonly (readonly number[])[];
  readonly measured: readonly (readonly number[])[];
  /**
   * Per calibration input, its novelty distance: how far it is from its nearest other
   * calibration input (NoveltyScore.distance measures a new input the same way). Present when
   * the pack ships novelty maps; routers may calibrate near and far inputs apart with it.
   */
  readonly novelty?: readonly number[];
}

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
  /** How unlike the pack's calibration inputs this input is, when the pack ships novelty maps. */
  readonly novelty?: NoveltyScore;
}

/**
 * What a router promises about quality, as figures (editors and reports put them in words):
 * `predicted`: the chosen exit's predicted distance is <= tau; `risk`: P(true distance > tau) <=
 * alpha, fitted on a calibration set.
 */
export interface QualityPromise {
  readonly kind: 'predicted' | 'risk';
  /** Metric the distances are in, e.g. `lpips-alex`. */
  readonly metric: string;
  readonly tau: number;
  readonly alpha?: number;
  /** How the risk bound was fitted. */
  readonly method?: string;
  /** Learn-then-Test: failure probability of the calibration. */
  readonly delta?: number;
  /** Calibration inputs whose true distance exceeded tau at the exit the fitted rule picks. */
  readonly calibrationViolations?: number;
  readonly calibrationSize?: number;
}

/** A router's decision: which exit to take, and why. */
export interface ExitPlan {
  readonly exit: number;
  /** The exit's name in the pack; the last exit is the full model. */
  readonly exitName: string;
  /** The decision in words, for badges, logs and history. */
  readonly reason: string;
  readonly expectedDistance?: number;
  readonly expectedMacs?: number;
  /** The quality threshold the router worked to, when it has one (generators escalate against it). */
  readonly tau?: number;
  /** Predicted distance per exit that the decision was made on. */
  readonly predicted?: readonly number[];
  /** Id of the router that made the plan. */
  readonly router?: string;
  /** Stream key under which a stream-level router (budget, deadline) remembers this input. */
  readonly stream?: string;
  /** Router-specific figures for display (a fitted lambda, a running average). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Number of exits of the pack (the last is the full model). */
  readonly exitCount?: number;
  /** The quality promise the plan was made under, when the router makes one. */
  readonly promise?: QualityPromise;
  /** The stream's audit (Exit Selector audit_fraction > 0): whether this input is audited, and how. */
  readonly audit?: PlanAudit;
  /** The novelty check (Exit Selector novel_inputs): the input's p-value and what it changed. */
  readonly novelty?: PlanNovelty;
}

/** The novelty check as a plan carries it. */
/** Why an input counts as novel: far from every calibration input, or finer than the predictor samples. */
export type NoveltyKind = 'distance' | 'sampling';

export interface PlanNovelty {
  readonly pValue: number;
  readonly distance: number;
  /** Inputs with a p-value below this are novel. */
  readonly level: number;
  readonly novel: boolean;
  /** Why it is novel (novelty-policy.ts). */
  readonly kind?: NoveltyKind;
  /** Where the predictor's samples misread the input most (label-grid packs; NoveltyScore.samplingGap). */
  readonly samplingGap?: number;
  /** The router's own exit, when the check moved the input to the full model. */
  readonly escalatedFrom?: number;
}

/** An audit as a plan carries it to the generator. */
export interface PlanAudit {
  readonly fraction: number;
  /** Every `every`-th input of the stream is audited. */
  readonly every: number;
  readonly tau: number;
  readonly alpha: number;
  readonly step: number;
  /** This input is audited: the generator also runs the full model and measures the chosen exit. */
  readonly due: boolean;
  /** Added to every prediction before routing (the tightening so far). */
  readonly offset: number;
  /** The stream's figures when the plan was made. */
  readonly figures: AuditFigures;
}

export const DIFFICULTY = definePortType({ name: 'DIFFICULTY', description: 'Predicted distance to the full output per exit, with costs', color: '#e57373' });
export const EXIT_PLAN = definePortType({ name: 'EXIT_PLAN', description: 'Which exit of a model pack to take, and why', color: '#f06292' });

declare module '../kernel/ports/port-values.js' {
  interface PortValues {
    DIFFICULTY: Difficulty;
    EXIT_PLAN: ExitPlan;
  }
}
