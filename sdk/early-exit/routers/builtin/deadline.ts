import { defineRouter, planFor } from '../define-router.js';

interface DeadlineParams {
  deadline_ms: number;
  /** Quality wanted when there is time: the earliest exit predicted <= tau that fits. */
  tau: number;
}

interface DeadlineState {
  /** Running estimate of each exit's latency on this device (ms); NaN until known. */
  latency: number[];
}

/** Weight of a new observation in the running latency estimate. */
const SMOOTHING = 0.3;

export const deadlineRouter = defineRouter<DeadlineParams, undefined, DeadlineState>({
  id: 'exitgraph/deadline',
  title: 'Per-item deadline',
  description:
    'Meets a per-item latency target on this device: among exits whose expected latency fits the deadline, the earliest predicted <= tau, else the deepest that fits. Latency estimates start from the pack\'s measured per-exit latency and adapt to what each run really took.',
  params: {
    type: 'object',
    properties: {
      deadline_ms: { type: 'number', exclusiveMinimum: 0, default: 50, description: 'Per-item latency target on this device (ms)' },
      tau: { type: 'number', minimum: 0, maximum: 1, default: 0.1, description: 'Quality threshold: largest allowed distance (LPIPS) to the full output' },
    },
  },
  createState: () => ({ latency: [] }),
  route: ({ difficulty, latencyMs }, { deadline_ms, tau }, _prepared, state) => {
    const count = difficulty.exits.length;
    const known = state.latency.length === count ? state.latency : (latencyMs ?? []).slice();
    // Unknown latencies (missing, NaN: an exit not run yet) scale from a known one by MACs; with
    // none known, assume everything fits. Treating NaN as "does not fit" would never run, and so
    // never measure, the exits not yet run.
    const isKnown = (l: number | undefined): l is number => l !== undefined && Number.isFinite(l) && l > 0;
    const reference = known.findIndex(isKnown);
    const expected = difficulty.exits.map((e, k) => (isKnown(known[k]) ? known[k] : reference >= 0 ? (known[reference]! * e.macs) / difficulty.exits[reference]!.macs : 0));
    if (state.latency.length !== count) state.latency = expected.slice();
    const fits = expected.map((l, k) => (l <= deadline_ms ? k : -1)).filter((k) => k >= 0);
    if (!fits.length) return planFor(difficulty, 0, `no exit fits ${deadline_ms} ms (earliest takes ~${expected[0]!.toFixed(1)} ms)`, { expected_ms: expected[0] });
    const good = fits.find((k) => k === count - 1 || difficulty.exits[k]!.predicted <= tau);
    const exit = good ?? fits[fits.length - 1]!;
    const reason = good !== undefined ? `earliest exit predicted <= ${tau} that fits ${deadline_ms} ms` : `deepest exit that fits ${deadline_ms} ms`;
    return planFor(difficulty, exit, reason, { expected_ms: expected[exit] });
  },
  observe: (state, { exit, latencyMs }) => {
    if (latencyMs === undefined || !state.latency.length) return;
    const before = state.latency[exit]!;
    const updated = Number.isFinite(before) && before > 0 ? before + SMOOTHING * (latencyMs - before) : latencyMs;
    // Keep the other exits' estimates in proportion to the one just measured.
    const ratio = before > 0 ? updated / before : 1;
    state.latency = state.latency.map((l, k) => (k === exit ? updated : l * (1 + SMOOTHING * (ratio - 1))));
  },
});
