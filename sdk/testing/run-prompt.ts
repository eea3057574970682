import {
  GraphValidationError,
  parseGraph,
  runGraph,
  validateGraph,
  type GraphProblem,
  type NodeRegistry,
  type RunEvent,
  type RunOptions,
  type RunResult,
  type ValidGraph,
} from '../index.js';

/** What `runPrompt` gives back: the engine's result plus every event and validation problem. */
export interface PromptRun extends RunResult {
  /** Every event of the run, in order (empty when the graph did not validate). */
  readonly events: readonly RunEvent[];
  /** Parse and validation problems; when there are any, nothing ran and `status` is `'error'`. */
  readonly problems: readonly GraphProblem[];
}

/** The part of a host that validating a graph needs. */
export interface GraphHost {
  readonly registry: NodeRegistry;
}

/** Options of `validatePrompt`. */
export interface ValidateOptions {
  /** Report a graph with no output node as a problem (as the CLI and server do). */
  readonly requireOutputs?: boolean;
}

/**
 * Parses and validates a graph against a host: an API prompt (`{ "<id>": { class_type, inputs } }`),
 * ComfyUI's `{ prompt }` envelope, or an editor workflow. Returns the graph, or every problem.
 */
export function checkPrompt(host: GraphHost, graph: unknown, options: ValidateOptions = {}): { graph?: ValidGraph; problems: GraphProblem[] } {
  const parsed = parseGraph(graph);
  const result = validateGraph(parsed.graph, host.registry, options);
  const problems = [...parsed.problems, ...result.problems];
  return problems.length || !result.graph ? { problems } : { graph: result.graph, problems };
}

/**
 * Like `checkPrompt`, but throws a `GraphValidationError` listing every problem (each with its
 * node id and field) when the graph is invalid: for tests whose graph must be valid.
 */
export function validatePrompt(host: GraphHost, graph: unknown, options: ValidateOptions = {}): ValidGraph {
  const { graph: valid, problems } = checkPrompt(host, graph, options);
  if (!valid) throw new GraphValidationError(problems, 'test graph');
  return valid;
}

/**
 * Validates and runs a graph against a host, collecting its events. An invalid graph does not
 * throw: the result has `status: 'error'`, the problems, and a `GraphValidationError` as `error`,
 * so a test can assert on exactly what was reported. Options are the engine's (`targets`,
 * `cache`, `workspace`, `device`, `signal`, `onEvent`); without `cache` nothing is reused across
 * runs.
 */
export async function runPrompt(host: GraphHost, graph: unknown, options: RunOptions = {}): Promise<PromptRun> {
  let valid: ValidGraph;
  if (isValidGraph(graph)) {
    valid = graph;
  } else {
    const checked = checkPrompt(host, graph);
    if (!checked.graph) {
      const error = new GraphValidationError(checked.problems, 'test graph');
      return { runId: '', status: 'error', ms: 0, values: new Map(), ui: {}, executed: [], cached: [], error, events: [], problems: checked.problems };
    }
    valid = checked.graph;
  }
  const events: RunEvent[] = [];
  const result = await runGraph(valid, {
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return { ...result, events, problems: [] };
}

function isValidGraph(value: unknown): value is ValidGraph {
  const graph = value as Partial<ValidGraph> | null;
  return typeof graph === 'object' && graph !== null && graph.nodes instanceof Map && Array.isArray(graph.outputNodes) && typeof graph.services === 'object';
}
