/** Every kind of problem validation reports. */
export type GraphProblemKind =
  | 'invalid_format'
  | 'unknown_type'
  | 'missing_input'
  | 'unknown_input'
  | 'type_mismatch'
  | 'dangling_link'
  | 'cycle'
  | 'invalid_param'
  | 'unknown_param'
  | 'no_outputs'
  | 'too_large';

/** One problem found in a graph, tied to the node (and input or param) it is about. */
export interface GraphProblem {
  readonly kind: GraphProblemKind;
  /** Node id, or undefined for problems of the whole graph. */
  readonly nodeId?: string;
  readonly classType?: string;
  /** Input or param name, when the problem is about one. */
  readonly field?: string;
  readonly message: string;
}

export function formatProblem(problem: GraphProblem): string {
  const where = problem.nodeId === undefined ? 'graph' : `node ${problem.nodeId}${problem.classType ? ` (${problem.classType})` : ''}`;
  return `${where}: ${problem.message} [${problem.kind}]`;
}

/** Problems beyond this many are counted in reports, not listed (a graph can have one per node). */
export const MAX_REPORTED_PROBLEMS = 100;

/** The first `max` problems and how many more there are: what a report lists. */
export function firstProblems(problems: readonly GraphProblem[], max = MAX_REPORTED_PROBLEMS): { shown: readonly GraphProblem[]; more: number } {
  return problems.length <= max ? { shown: problems, more: 0 } : { shown: problems.slice(0, max), more: problems.length - max };
}

/** `N problems` plus the first ones, one a line, and a line counting the rest. */
export function formatProblems(problems: readonly GraphProblem[], max = MAX_REPORTED_PROBLEMS, indent = '  - '): string {
  const { shown, more } = firstProblems(problems, max);
  const lines = shown.map((p) => `${indent}${formatProblem(p)}`);
  if (more) lines.push(`${indent}... and ${more} more problem${more === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** Thrown when a graph cannot run; carries every problem, its message lists the first ones. */
export class GraphValidationError extends Error {
  constructor(readonly problems: readonly GraphProblem[], source?: string) {
    super(`${source ? `${source}: ` : ''}graph is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + formatProblems(problems));
    this.name = 'GraphValidationError';
  }
}
