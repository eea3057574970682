import { formatProblem, type Graph, type GraphProblem, type NodeRegistry } from '../../sdk/index.js';

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
 */
export function rejectionFor(problems: readonly GraphProblem[], graph: Graph, registry: NodeRegistry): PromptRejection {
  const nodeErrors: Record<string, ComfyNodeError> = {};
  const graphLevel: GraphProblem[] = [];
  for (const problem of problems) {
    if (problem.nodeId === undefined) {
      graphLevel.push(problem);
      continue;
    }
    const entry = (nodeErrors[problem.nodeId] ??= {
      errors: [],
      dependent_outputs: dependentOutputs(problem.nodeId, graph, registry),
      class_type: problem.classType ?? graph.nodes.get(problem.nodeId)?.classType ?? '',
    });
    entry.errors.push({ type: problem.kind, message: problem.message, details: problem.field ?? '', extra_info: problem.field ? { input_name: problem.field } : {} });
  }
  const noOutputs = graphLevel.length > 0 && graphLevel.every((p) => p.kind === 'no_outputs') && Object.keys(nodeErrors).length === 0;
  return {
    error: {
      type: noOutputs ? 'prompt_no_outputs' : graphLevel.some((p) => p.kind === 'invalid_format') ? 'invalid_prompt' : 'prompt_outputs_failed_validation',
      message: noOutputs ? 'Prompt has no outputs' : 'Prompt outputs failed validation',
      details: problems.map(formatProblem).join('\n'),
      extra_info: {},
    },
    node_errors: nodeErrors,
  };
}

/** Output nodes downstream of `nodeId` (itself included when it is one). */
function dependentOutputs(nodeId: string, graph: Graph, registry: NodeRegistry): string[] {
  const consumers = new Map<string, string[]>();
  for (const node of graph.nodes.values()) {
    for (const binding of Object.values(node.inputs)) {
      if ('link' in binding) consumers.set(binding.link.node, [...(consumers.get(binding.link.node) ?? []), node.id]);
    }
  }
  const seen = new Set<string>();
  const queue = [nodeId];
  while (queue.length) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(consumers.get(id) ?? []));
  }
  return [...seen].filter((id) => {
    const type = graph.nodes.get(id)?.classType;
    return type !== undefined && registry.resolve(type)?.definition.output === true;
  });
}
