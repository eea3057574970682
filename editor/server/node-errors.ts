import { MAX_REPORTED_PROBLEMS, firstProblems, formatProblems, type Graph, type GraphProblem, type NodeRegistry } from '../../sdk/index.js';

/** One node's entry in ComfyUI's `node_errors`. */
export interface ComfyNodeError {
  errors: { type: string; message: string; details: string; extra_info: { input_name?: string } }[];
  dependent_outputs: string[];
  class_type: string;
}

/** The body of a 400 answer to `POST /prompt`, in ComfyUI's shape. */
export interface PromptRejection {
  error: { type: string; message: string; details: string; extra_info: Record<string, unknown> };
  node_errors: Record<string, ComfyNodeError>;
}

/**
 * Validation problems -> ComfyUI's answer: problems tied to a node go into `node_errors[id]`
 * (with the output nodes that depend on it); problems of the whole graph go into `error.details`.
 * Bounded whatever the graph: the first `MAX_REPORTED_PROBLEMS` problems are listed, the rest
 * counted (`extra_info.more_problems`), and dependants are found in one walk over the graph.
 */
export function rejectionFor(problems: readonly GraphProblem[], graph: Graph, registry: NodeRegistry): PromptRejection {
  const { shown, more } = firstProblems(problems);
  // Null prototype: a node id `constructor` or `__proto__` is a key like any other.
  const nodeErrors = Object.create(null) as Record<string, ComfyNodeError>;
  const graphLevel: GraphProblem[] = [];
  const dependants = dependentOutputs(new Set(shown.flatMap((p) => (p.nodeId === undefined ? [] : [p.nodeId]))), graph, registry);
  for (const problem of shown) {
    if (problem.nodeId === undefined) {
      graphLevel.push(problem);
      continue;
    }
    let entry = nodeErrors[problem.nodeId];
    if (!entry) {
      entry = { errors: [], dependent_outputs: dependants.get(problem.nodeId) ?? [], class_type: problem.classType ?? graph.nodes.get(problem.nodeId)?.classType ?? '' };
      nodeErrors[problem.nodeId] = entry;
    }
    entry.errors.push({ type: problem.kind, message: problem.message, details: problem.field ?? '', extra_info: problem.field ? { input_name: problem.field } : {} });
  }
  const noOutputs = graphLevel.length > 0 && graphLevel.every((p) => p.kind === 'no_outputs') && Object.keys(nodeErrors).length === 0;
  return {
    error: {
      type: noOutputs ? 'prompt_no_outputs' : graphLevel.some((p) => p.kind === 'invalid_format') ? 'invalid_prompt' : 'prompt_outputs_failed_validation',
      message: noOutputs ? 'Prompt has no outputs' : more ? `Prompt outputs failed validation (${problems.length} problems; the first ${shown.length} are listed)` : 'Prompt outputs failed validation',
      details: formatProblems(problems, MAX_REPORTED_PROBLEMS, ''),
      extra_info: more ? { problem_count: problems.length, more_problems: more } : {},
    },
    node_errors: nodeErrors,
  };
}

/**
 * For each node of `failing`, the output nodes downstream of it (itself included when it is one).
 * One pass builds the consumers of every node; each failing node's walk then visits only what
 * lies downstream of it.
 */
function dependentOutputs(failing: ReadonlySet<string>, graph: Graph, registry: NodeRegistry): Map<string, string[]> {
  const result = new Map<string, string[]>();
  if (!failing.size) return result;
  const consumers = new Map<string, string[]>();
  for (const node of graph.nodes.values()) {
    for (const binding of Object.values(node.inputs)) {
      if (!('link' in binding)) continue;
      const list = consumers.get(binding.link.node);
      if (list) list.push(node.id);
      else consumers.set(binding.link.node, [node.id]);
    }
  }
  const isOutput = (id: string): boolean => {
    const type = graph.nodes.get(id)?.classType;
    return type !== undefined && registry.resolve(type)?.definition.output === true;
  };
  for (const nodeId of failing) {
    const seen = new Set<string>();
    const queue = [nodeId];
    while (queue.length) {
      const id = queue.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const consumer of consumers.get(id) ?? []) queue.push(consumer);
    }
    result.set(nodeId, [...seen].filter(isOutput));
  }
  return result;
}
