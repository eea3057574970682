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
 * One pass builds the consumers of every node; then each node carries a bit set of the failing
 * nodes upstream of it, pushed along links until nothing changes (bits are only ever added, so
 * this ends, cycles included), in time linear in the links for a bounded number of failing nodes.
 */
function dependentOutputs(failing: ReadonlySet<string>, graph: Graph, registry: NodeRegistry): Map<string, string[]> {
  const result = new Map<string, string[]>();
  if (!failing.size) return result;
  const sources = [...failing];
  const words = Math.ceil(sources.length / 32);
  const consumers = new Map<string, string[]>();
  for (const node of graph.nodes.values()) {
    for (const binding of Object.values(node.inputs)) {
      // Links to nodes that are not in the graph lead nowhere (validation reports them).
      if (!('link' in binding) || !graph.nodes.has(binding.link.node)) continue;
      const list = consumers.get(binding.link.node);
      if (list) list.push(node.id);
      else consumers.set(binding.link.node, [node.id]);
    }
  }
  const reached = new Map<string, Uint32Array>();
  const bitsOf = (id: string): Uint32Array => {
    let bits = reached.get(id);
    if (!bits) reached.set(id, (bits = new Uint32Array(words)));
    return bits;
  };
  sources.forEach((id, index) => {
    bitsOf(id)[index >>> 5]! |= 1 << (index & 31);
  });
  /** ORs `from`'s bits into `to`'s; whether any bit was new. */
  const push = (from: string, to: string): boolean => {
    const bits = reached.get(from);
    if (!bits) return false;
    const target = bitsOf(to);
    let changed = false;
    for (let w = 0; w < words; w++) {
      const merged = target[w]! | bits[w]!;
      if (merged !== target[w]) {
        target[w] = merged;
        changed = true;
      }
    }
    return changed;
  };
  // Upstream before downstream (Kahn's order), so each link is followed once...
  const waiting = new Map<string, number>();
  for (const list of consumers.values()) for (const consumer of list) waiting.set(consumer, (waiting.get(consumer) ?? 0) + 1);
  const ready = [...graph.nodes.keys()].filter((id) => !waiting.has(id));
  while (ready.length) {
    const id = ready.pop()!;
    for (const consumer of consumers.get(id) ?? []) {
      push(id, consumer);
      const left = waiting.get(consumer)! - 1;
      if (left) waiting.set(consumer, left);
      else {
        waiting.delete(consumer);
        ready.push(consumer);
      }
    }
  }
  // ...then, for what is left (nodes on or below a cycle), until nothing changes.
  const pending = [...waiting.keys()];
  while (pending.length) {
    const id = pending.pop()!;
    for (const consumer of consumers.get(id) ?? []) if (push(id, consumer)) pending.push(consumer);
  }
  for (const id of sources) result.set(id, []);
  for (const [id, bits] of reached) {
    const type = graph.nodes.get(id)?.classType;
    if (type === undefined || registry.resolve(type)?.definition.output !== true) continue;
    sources.forEach((source, index) => {
      if (bits[index >>> 5]! & (1 << (index & 31))) result.get(source)!.push(id);
    });
  }
  return result;
}
