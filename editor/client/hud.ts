/**
 * The HUD on early-exit nodes (generators and exit selectors): which exit is shown of how many
 * ("exit2 of 5", "full" for the last), what it cost and saved, and the router's promise in words,
 * all read from the node's ui payload.
 */
import { formatCount } from './format.js';

/** A router's quality promise as the Exit Selector sends it (QualityPromise in the SDK). */
export interface PromiseFigures {
  kind: 'predicted' | 'risk';
  metric: string;
  tau: number;
  alpha?: number;
  method?: string;
  delta?: number;
  calibrationViolations?: number;
  calibrationSize?: number;
}

export interface HudInfo {
  /** Name of the exit shown (after any escalation), or of the planned one on a selector. */
  exit: string;
  /** Index of that exit and how many exits the pack has. */
  index?: number;
  exits?: number;
  /** The exit the plan asked for, when it differs from the one shown. */
  planned?: string;
  macs?: number;
  saved?: number;
  /** Whether the figures are a plan (selector) rather than what ran (generator). */
  planOnly: boolean;
  promise?: PromiseFigures;
  reason?: string;
}

const first = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);
const num = (v: unknown): number | undefined => (typeof first(v) === 'number' ? (first(v) as number) : undefined);
const str = (v: unknown): string | undefined => (typeof first(v) === 'string' ? (first(v) as string) : undefined);

/** "full" for the last exit, otherwise the exit's name. */
export function exitLabel(name: string | undefined, index: number | undefined, exits: number | undefined): string | undefined {
  if (index !== undefined && exits !== undefined && index === exits - 1) return 'full';
  return name ?? (index !== undefined ? `exit${index}` : undefined);
}

/** The HUD's figures from a ui payload, or undefined for nodes that do not route or generate. */
export function readHud(ui: Record<string, unknown> | undefined): HudInfo | undefined {
  if (!ui) return undefined;
  const index = num(ui.exit);
  const exits = num(ui.exits);
  const exit = exitLabel(str(ui.exit_name) ?? str(ui.exit), index, exits);
  if (exit === undefined || exits === undefined) return undefined;
  const plannedIndex = num(ui.planned_exit);
  const planned = plannedIndex !== undefined && plannedIndex !== index ? exitLabel(str(ui.planned_exit_name), plannedIndex, exits) : undefined;
  const planOnly = ui.macs === undefined && (ui.expected_macs !== undefined || ui.expected_saving !== undefined || ui.router !== undefined);
  const macs = num(ui.macs) ?? num(ui.expected_macs);
  const saved = num(ui.saved) ?? num(ui.expected_saving);
  const promise = first(ui.promise);
  const reason = str(ui.reason);
  return {
    exit,
    ...(index !== undefined ? { index } : {}),
    exits,
    ...(planned ? { planned } : {}),
    ...(macs !== undefined ? { macs } : {}),
    ...(saved !== undefined ? { saved } : {}),
    planOnly,
    ...(isPromise(promise) ? { promise } : {}),
    ...(reason ? { reason } : {}),
  };
}

function isPromise(value: unknown): value is PromiseFigures {
  const p = value as PromiseFigures | undefined;
  return !!p && typeof p === 'object' && (p.kind === 'predicted' || p.kind === 'risk') && typeof p.tau === 'number' && typeof p.metric === 'string';
}

/** 0.1 -> "0.10", 0.05 -> "0.05", 0.125 -> "0.125": at least two decimals, never rounding a figure away. */
export function formatFigure(value: number): string {
  for (let digits = 2; digits < 6; digits++) if (Number(value.toFixed(digits)) === value) return value.toFixed(digits);
  return String(value);
}

/** `lpips-alex` -> `LPIPS`. */
function metricName(metric: string): string {
  return (metric.split('-')[0] ?? metric).toUpperCase();
}

const METHOD_NAMES: Record<string, string> = { 'learn-then-test': 'Learn-then-Test', conformal: 'conformal risk control' };

/** "P(LPIPS > 0.10) <= 0.10, Learn-then-Test, 40/500 calibration violations" or "predicted <= tau 0.10". */
export function promiseText(p: PromiseFigures): string {
  if (p.kind === 'predicted') return `predicted <= tau ${formatFigure(p.tau)}`;
  const parts = [`P(${metricName(p.metric)} > ${formatFigure(p.tau)}) <= ${formatFigure(p.alpha ?? NaN)}`];
  if (p.method) parts.push(METHOD_NAMES[p.method] ?? p.method);
  if (p.calibrationViolations !== undefined) parts.push(`${p.calibrationViolations}${p.calibrationSize !== undefined ? `/${p.calibrationSize}` : ''} calibration violations`);
  return parts.join(', ');
}

/** The HUD's lines, shortest first. */
export function hudLines(hud: HudInfo): string[] {
  const exit = hud.exit === 'full' ? 'full' : `${hud.exit} of ${hud.exits}`;
  const lines = [hud.planOnly ? `plans ${exit}` : hud.planned ? `${exit} (planned ${hud.planned})` : exit];
  const cost: string[] = [];
  if (hud.macs !== undefined) cost.push(`${hud.planOnly ? '~' : ''}${formatCount(hud.macs)}MAC`);
  if (hud.saved !== undefined) cost.push(`${hud.planOnly ? 'saves' : 'saved'} ${Math.round(hud.saved * 100)}%`);
  if (cost.length) lines.push(cost.join(' · '));
  if (hud.promise) lines.push(promiseText(hud.promise));
  else if (hud.reason) lines.push(hud.reason);
  return lines;
}
