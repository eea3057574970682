import type { ServiceLookup } from '../../kernel/host/host-services.js';
import type { ExitResult, PackRun } from '../packs/pack-runner.js';
import type { PlanAudit } from '../plans.js';
import { AUDIT_DISTANCES } from './audit-distances.js';
import type { AuditFigures } from './audit-ledger.js';
import { AUDITS } from './audit-streams.js';

/** What one audited input showed, with its stream's figures after it. */
export interface AuditResult extends AuditFigures {
  /** True distance of the output (the chosen exit) to the full output, in the pack's metric. */
  readonly distance: number;
  readonly violation: boolean;
}

/**
 * Audits one input of a run that stopped at `chosen`: escalates to the full model (reusing the
 * segments already run, so the run's MACs include the audit's), measures the chosen output's
 * distance to the full output with the pack's metric, and records it in the stream's ledger.
 */
export async function auditRun(services: ServiceLookup, run: PackRun, chosen: ExitResult, stream: string, audit: PlanAudit): Promise<AuditResult> {
  const { manifest } = run.runner.pack;
  const last = manifest.exits.length - 1;
  let distance = 0;
  if (chosen.index < last) {
    const full = await run.escalate(last);
    const measure = await services.get(AUDIT_DISTANCES).get(manifest.metric, run.device);
    distance = (await measure([chosen.image], [full.image]))[0]!;
  }
  const ledger = services.get(AUDITS).ledger(stream, { fraction: audit.fraction, tau: audit.tau, alpha: audit.alpha, step: audit.step });
  return { distance, violation: distance > audit.tau, ...ledger.record(distance) };
}
