/**
 * Which ONNX sessions a pack runs, in which order, to reach each exit.
 *
 * Every file of a pack is a step that reads named tensors from the pool and adds its outputs.
 * Reaching exit k needs segments 0..after_segment(k), the guide retrieval when exit k (or
 * something it needs) reads a guide tensor, and head k: the producers of its inputs, closed
 * transitively. Costs and the runner both use this one plan, so the MACs reported for an exit
 * are exactly the MACs of the sessions the runner executes for it.
 */
import { packStages, predictorInputs, type PackManifest } from './manifest.js';

export type StepKind = 'stage' | 'segment' | 'guides' | 'head' | 'predictor';

export interface PackStep {
  /** Unique id: `stage0`, `segment0`, `guides`, `head:exit0`, `predictor`. */
  readonly id: string;
  readonly kind: StepKind;
  readonly file: string;
  /** Manifest field naming this step, for messages: `segments[0]`, `exits[1]`, `guides`, `predictor`. */
  readonly field: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface PackPlan {
  /** Segments, guides and heads in execution order (segment i, then guides if after_segment = i, then heads after i). */
  readonly steps: readonly PackStep[];
  readonly predictor: PackStep;
  /**
   * Format 2's input-only stages, in order: they run before segment 0 (once per distinct input
   * when cached) and are not part of any exit's per-frame steps.
   */
  readonly stages: readonly PackStep[];
  /** Per exit (manifest order): the steps to run, in order. */
  readonly exitSteps: readonly (readonly PackStep[])[];
}

/** The steps of a manifest and what each exit needs. Assumes a manifest the loader has checked. */
export function planPack(manifest: PackManifest): PackPlan {
  const steps: PackStep[] = [];
  manifest.segments.forEach((segment, i) => {
    steps.push({ id: `segment${i}`, kind: 'segment', file: segment.file, field: `segments[${i}]`, inputs: segment.inputs, outputs: segment.outputs });
    if (manifest.guides && manifest.guides.after_segment === i) {
      const g = manifest.guides;
      steps.push({ id: 'guides', kind: 'guides', file: g.file, field: 'guides', inputs: g.inputs, outputs: g.outputs });
    }
    manifest.exits.forEach((exit, k) => {
      if (exit.after_segment === i) steps.push({ id: `head:${exit.name}`, kind: 'head', file: exit.file, field: `exits[${k}]`, inputs: exit.inputs, outputs: [exit.output] });
    });
  });
  const producer = new Map<string, PackStep>();
  for (const step of steps) for (const output of step.outputs) producer.set(output, step);

  const exitSteps = manifest.exits.map((exit) => {
    const head = steps.find((s) => s.id === `head:${exit.name}`)!;
    const needed = new Set<PackStep>([head]);
    // The segment chain up to after_segment, even if a head skipped reading an earlier feature.
    for (let i = 0; i <= exit.after_segment; i++) needed.add(steps.find((s) => s.id === `segment${i}`)!);
    const queue = [...needed];
    while (queue.length) {
      const step = queue.pop()!;
      for (const input of step.inputs) {
        const from = producer.get(input);
        if (from && !needed.has(from)) {
          needed.add(from);
          queue.push(from);
        }
      }
    }
    return steps.filter((s) => needed.has(s));
  });
  const p = manifest.predictor;
  const predictor: PackStep = { id: 'predictor', kind: 'predictor', file: p.file, field: 'predictor', inputs: predictorInputs(manifest), outputs: [p.output] };
  const stages = packStages(manifest).map((stage, i): PackStep => ({ id: `stage${i}`, kind: 'stage', file: stage.file, field: `stages[${i}]`, inputs: stage.inputs, outputs: stage.outputs }));
  return { steps, predictor, stages, exitSteps };
}
