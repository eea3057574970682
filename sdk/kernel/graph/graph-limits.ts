/**
 * Size limits every graph is held to before anything runs. They keep each check linear in the
 * graph's size and every answer bounded, whatever a client sends.
 */
export interface GraphLimits {
  /** Most nodes a graph may have. */
  readonly maxNodes: number;
  /** Deepest nesting of arrays and objects in a param or literal input value. */
  readonly maxValueDepth: number;
  /** Most problems listed in a report; the rest are counted. */
  readonly maxProblems: number;
}

export const DEFAULT_GRAPH_LIMITS: GraphLimits = { maxNodes: 100_000, maxValueDepth: 64, maxProblems: 100 };

/**
 * How deep `value` nests arrays and objects, walking with an explicit stack (a recursive walk
 * would overflow on the very values this guards against). Stops as soon as it passes `limit`.
 */
export function valueDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object' || ArrayBuffer.isView(item)) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, level]);
  }
  return deepest;
}
