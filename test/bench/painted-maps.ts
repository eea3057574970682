/**
 * The quality promise on painted-style maps (skipped, with a note, when the landscape pack, its
 * painted split or the LPIPS weights are missing): the risk router at tau 0.1, alpha 0.1 on the
 * procedural test split and on the independent painted-style set side by side, with the oracle's
 * saving and the predictor's bias on each; the audit at 5% on a stream that switches from one to
 * the other halfway; and inputs far from anything seen (noise, stripes, one class) routed with
 * the novelty check.
 */
import type { LabelMap } from '../../sdk/index.js';
import { evaluatePack, evaluateRouter, loadModelPack, readNoveltyReference, simulateAudit, RouterRegistry, type PackEvaluation } from '../../sdk/early-exit/index.js';
import { shippedPack, type BenchFigure, type BenchSection } from './bench-report.js';

const TAU = 0.1;
const ALPHA = 0.1;

export async function paintedMapsBench(): Promise<BenchSection> {
  const title = 'Quality promise on painted-style maps (landscape pack, risk router tau 0.1 alpha 0.1)';
  const { dir, skipped } = shippedPack('landscape', title);
  if (skipped) return skipped;
  const pack = await loadModelPack(dir);
  if (!pack.manifest.splits?.painted) return { title, figures: [], notes: ['skipped: the landscape pack ships no painted split (rebuild it: npm run models:landscape)'] };
  const routers = new RouterRegistry();
  const figures: BenchFigure[] = [];
  const sets: Record<string, PackEvaluation> = {};
  for (const split of ['test', 'painted']) {
    const evaluation = await evaluatePack(pack, { device: 'cpu', split, samples: 0, latencyInputs: 3 });
    sets[split] = evaluation;
    const risk = evaluateRouter(evaluation, routers, 'risk', { tau: TAU, alpha: ALPHA }, TAU);
    const oracle = evaluateRouter(evaluation, routers, 'oracle', { tau: TAU }, TAU);
    const E = evaluation.exits.length;
    const bias = evaluation.predicted.reduce((sum, p, i) => sum + p.slice(0, E - 1).reduce((s, v, k) => s + v - evaluation.measured[i]![k]!, 0) / (E - 1), 0) / evaluation.n;
    figures.push(
      { name: `${split} (${evaluation.n}): risk violation rate`, value: risk.violation_rate * 100, unit: '%', target: '<= 10' },
      { name: `${split}: risk MACs saved`, value: risk.macs_saved * 100, unit: '%', target: split === 'test' ? '>= 50' : '>= 30' },
      { name: `${split}: oracle MACs saved`, value: oracle.macs_saved * 100, unit: '%' },
      { name: `${split}: inputs the novelty check sent to full`, value: (risk.novel_escalated / evaluation.n) * 100, unit: '%' },
      { name: `${split}: predictor bias (predicted - true, early exits)`, value: bias, unit: 'LPIPS' },
    );
  }

  // A stream that switches from procedural to painted-style maps halfway, audited at 5%.
  const stream = concat(sets.test!, sets.painted!);
  const audit = simulateAudit(stream, routers, 'risk', { tau: TAU, alpha: ALPHA }, { fraction: 0.05, tau: TAU, alpha: ALPHA, step: 0.01 });
  const half = sets.test!.n;
  const second = audit.points.slice(half);
  const last = second[second.length - 1]!;
  const audited = second.filter((p) => p.audited).length;
  figures.push(
    { name: 'switching stream, audit 5%: audited rate at the end', value: last.auditedRate * 100, unit: '%' },
    { name: 'switching stream: alpha + interval half-width', value: (ALPHA + (last.interval[1] - last.interval[0]) / 2) * 100, unit: '%' },
    { name: 'switching stream: violations over the painted half', value: (second.filter((p) => p.violation).length / second.length) * 100, unit: '%' },
    { name: 'switching stream: MACs saved with the audit', value: audit.figures.macs_saved * 100, unit: '%' },
  );

  // Far from anything seen: noise, stripes, a single class.
  const reference = await readNoveltyReference(pack);
  const { height, width, classes = [] } = pack.manifest.input;
  const strange: LabelMap[] = [
    { width, height, classes, ids: new Uint8Array(width * height).map((_, i) => (i * 2654435761) % 977 % classes.length) },
    { width, height, classes, ids: new Uint8Array(width * height).map((_, i) => Math.floor((i % width) / 6) % classes.length) },
    ...classes.map((_, c) => ({ width, height, classes, ids: new Uint8Array(width * height).fill(c) })),
  ];
  const novel = reference ? strange.filter((m) => reference.score(m).pValue < 0.01).length : 0;
  figures.push({ name: `strange maps (noise, stripes, each single class: ${strange.length}) flagged novel`, value: novel, unit: `of ${strange.length}` });
  return {
    title,
    figures,
    notes: [
      `audit at 5% of the switching stream: ${audited} audited in the painted half; plot it with exitgraph eval --audit 0.05 (audit.png)`,
      'single-class maps are in the calibration set (the painted share has them), so those it holds are not novel',
    ],
  };
}

/** Two evaluations of the same pack as one stream, the first's inputs first. */
function concat(a: PackEvaluation, b: PackEvaluation): PackEvaluation {
  return {
    ...a,
    split: `${a.split}+${b.split}`,
    n: a.n + b.n,
    predicted: [...a.predicted, ...b.predicted],
    measured: [...a.measured, ...b.measured],
    ...(a.novelty && b.novelty ? { novelty: [...a.novelty, ...b.novelty] } : {}),
    samples: [],
  };
}
