import { defineService } from '../../kernel/host/host-services.js';
import { AuditLedger, type AuditSpec } from './audit-ledger.js';

/**
 * The host's audits, one ledger per router stream (the Exit Selector's stream key), alive as long
 * as the host: a server's queue of prompts, a batch run.
 */
export class AuditStreams {
  readonly #ledgers = new Map<string, AuditLedger>();

  /** The stream's ledger, started afresh when the audit's spec changed. */
  ledger(stream: string, spec: AuditSpec): AuditLedger {
    const ledger = this.#ledgers.get(stream);
    if (ledger && sameSpec(ledger.spec, spec)) return ledger;
    const fresh = new AuditLedger(spec);
    this.#ledgers.set(stream, fresh);
    return fresh;
  }

  /** The stream's ledger if it has one (a generator reporting an audited input). */
  get(stream: string): AuditLedger | undefined {
    return this.#ledgers.get(stream);
  }

  reset(): void {
    this.#ledgers.clear();
  }
}

function sameSpec(a: AuditSpec, b: AuditSpec): boolean {
  return a.fraction === b.fraction && a.tau === b.tau && a.alpha === b.alpha && a.step === b.step;
}

export const AUDITS = defineService('exitgraph/audits', () => new AuditStreams());
