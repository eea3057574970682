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
  | 'no_outputs';

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

/** Thrown when a graph cannot run; carries every problem at once. */
export class GraphValidationError extends Error {
  constructor(readonly problems: readonly GraphProblem[], source?: string) {
    super(`${source ? `${source}: ` : ''}graph is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  - ${formatProblem(p)}`).join('\n'));
    this.name = 'GraphValidationError';
  }
}
