import type { Difficulty, PlanAudit } from '../plans.js';
import type { AuditStreams } from './audit-streams.js';

/** The Exit Selector's audit params, beside its router's. */
export const AUDIT_PARAMS = {
  audit_fraction: {
    type: 'number',
    minimum: 0,
    maximum: 1,
    default: 0,
    description: "Share of inputs on which the generator also runs the full model to check the router's promise (every round(1/fraction)-th input of the stream; 0: no audit). Their cost counts in the MACs saved",
  },
  audit_step: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 1,
    default: 0.01,
    description: "How far one tightening goes: added to every predicted distance, i.e. the router's lambda or tau lowered by this much",
  },
} as const;

/** Default bar when the router promises no rate of its own (threshold, deadline). */
const DEFAULT_ALPHA = 0.1;

/**
 * The audit of this input, or undefined when auditing is off: counts the input in its stream's
 * ledger and says whether it is audited and how tightened the router is now.
 */
export function planAudit(audits: AuditStreams, stream: string, params: Readonly<Record<string, unknown>>, routerParams: Readonly<Record<string, unknown>>, routerId: string): PlanAudit | undefined {
  const fraction = Number(params.audit_fraction ?? 0);
  if (!(fraction > 0)) return undefined;
  const tau = routerParams.tau;
  if (typeof tau !== 'number') throw new Error(`audit_fraction: router ${routerId} has no tau, and an audit needs one (a violation is an output further than tau from the full output)`);
  const alpha = typeof routerParams.alpha === 'number' ? routerParams.alpha : DEFAULT_ALPHA;
  const step = Number(params.audit_step ?? AUDIT_PARAMS.audit_step.default);
  const ledger = audits.ledger(stream, { fraction, tau, alpha, step });
  const due = ledger.nextInput();
  return { fraction, every: ledger.every, tau, alpha, step, due, offset: ledger.offset, figures: ledger.figures() };
}

/** The estimate as the tightened router reads it: every early exit's prediction raised by `offset`. */
export function tightened(difficulty: Difficulty, offset: number): Difficulty {
  if (!(offset > 0)) return difficulty;
  return { ...difficulty, exits: difficulty.exits.map((e) => ({ ...e, predicted: e.predicted + offset })) };
}

/** The words a plan's reason gains from its audit. */
export function auditReason(audit: PlanAudit): string {
  const f = audit.figures;
  const counts = `${f.violations}/${f.audited} audited over tau ${audit.tau}`;
  if (!f.tightened) return `audit: ${counts}${audit.due ? '; this input is audited' : ''}`;
  return `tightened ${f.tightenings}x by the audit (predictions read +${audit.offset.toFixed(3)}): ${counts}, the rate's 95% interval was above alpha ${audit.alpha}${audit.due ? '; this input is audited' : ''}`;
}
