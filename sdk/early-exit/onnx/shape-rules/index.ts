/** The shape rules by op type, gathered from the op families. An op has at most one rule. */
import { convolutionRules } from './convolution.js';
import { elementwiseRules } from './elementwise.js';
import { indexingRules } from './indexing.js';
import { linearAlgebraRules } from './linear-algebra.js';
import type { ShapeRule, ShapeRules } from './node-view.js';
import { reductionRules } from './reductions.js';
import { reshapingRules } from './reshaping.js';
import { resizeRules } from './resize.js';
import { shapeValueRules } from './shape-values.js';

function gather(families: readonly ShapeRules[]): ReadonlyMap<string, ShapeRule> {
  const rules = new Map<string, ShapeRule>();
  for (const family of families) {
    for (const [op, rule] of Object.entries(family)) {
      if (rules.has(op)) throw new Error(`two shape rules for op ${op}`);
      rules.set(op, rule);
    }
  }
  return rules;
}

export const SHAPE_RULES = gather([shapeValueRules, elementwiseRules, convolutionRules, linearAlgebraRules, reshapingRules, indexingRules, resizeRules, reductionRules]);

export { NodeAttributes } from './node-attributes.js';
export { MAX_TRACKED_VALUES, NodeView, UnknownShape } from './node-view.js';
export type { ShapeResult, ShapeRule, ShapeRules } from './node-view.js';
