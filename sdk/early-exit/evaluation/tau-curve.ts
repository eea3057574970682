import { DEFAULT_NOVELTY_POLICY, type NoveltyPolicy } from '../novelty/novelty-policy.js';
import type { RouterRegistry } from '../routers/router-registry.js';
import type { PackEvaluation } from './pack-evaluation.js';
import { evaluateRouter, type RouterFigures } from './router-evaluation.js';

/** Default tau grid of compute-vs-quality curves. */
export const CURVE_TAUS = [0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3];

export interface CurvePoint {
  readonly router: string;
  readonly tau: number;
  readonly figures: RouterFigures;
}

/**
 * Compute vs quality over tau: for each router that takes a tau, its figures at every tau of the
 * grid (other params fixed).
 */
export function tauCurve(evaluation: PackEvaluation, registry: RouterRegistry, routers: readonly { name: string; params: Record<string, unknown> }[], taus = CURVE_TAUS, novelty: NoveltyPolicy = DEFAULT_NOVELTY_POLICY): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const { name, params } of routers) {
    if (!('tau' in registry.get(name).params.properties)) continue;
    for (const tau of taus) points.push({ router: name, tau, figures: evaluateRouter(evaluation, registry, name, { ...params, tau }, tau, novelty) });
  }
  return points;
}

export function curveCsv(points: readonly CurvePoint[]): string {
  const rows = points.map((p) => [p.router, p.tau, p.figures.macs_saved, p.figures.latency_saved, p.figures.violation_rate, p.figures.mean_lpips].join(','));
  return ['router,tau,macs_saved,latency_saved,violation_rate,mean_lpips', ...rows].join('\n') + '\n';
}
