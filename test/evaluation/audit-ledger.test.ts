import { describe, expect, it } from 'vitest';
import { AuditLedger, clopperPearson } from '../../sdk/early-exit/index.js';

describe('audit ledger', () => {
  it('Clopper-Pearson interval: textbook values, closed forms at 0 and n', () => {
    const [low, high] = clopperPearson(2, 10);
    expect(low).toBeCloseTo(0.0252, 4);
    expect(high).toBeCloseTo(0.5561, 4);
    // k = 0: upper = 1 - 0.025^(1/n); k = n: lower = 0.025^(1/n).
    expect(clopperPearson(0, 5)).toEqual([0, expect.closeTo(1 - 0.025 ** (1 / 5), 9)]);
    expect(clopperPearson(5, 5)).toEqual([expect.closeTo(0.025 ** (1 / 5), 9), 1]);
    expect(clopperPearson(0, 0)).toEqual([0, 1]);
  });

  it('audits every round(1/fraction)-th input, tightens once per spell of evidence', () => {
    const ledger = new AuditLedger({ fraction: 0.3, tau: 0.1, alpha: 0.1, step: 0.02 });
    expect(ledger.every).toBe(3);
    expect(Array.from({ length: 9 }, () => ledger.nextInput())).toEqual([false, false, true, false, false, true, false, false, true]);
    // One violation in one audit is no evidence (lower bound 0.025); two in two is (0.158 > 0.1).
    expect(ledger.record(0.5).tightened).toBe(false);
    expect(ledger.record(0.5)).toMatchObject({ audited: 2, violations: 2, tightenings: 1, tightened: true });
    expect(ledger.offset).toBeCloseTo(0.02, 12);
    // The evidence starts afresh after a tightening: one more violation does not tighten again.
    expect(ledger.record(0.5).tightenings).toBe(1);
    expect(ledger.record(0.05).tightenings).toBe(1);
  });

  it('keeps within-promise streams untightened', () => {
    const ledger = new AuditLedger({ fraction: 1, tau: 0.1, alpha: 0.1, step: 0.02 });
    for (let i = 0; i < 100; i++) ledger.record(i % 20 === 0 ? 0.2 : 0.05);
    expect(ledger.figures()).toMatchObject({ audited: 100, violations: 5, rate: 0.05, tightenings: 0, tightened: false });
  });
});
