import type { ApiPrompt, Graph, GraphNode, InputBinding } from './graph.js';
import type { GraphProblem } from './graph-problem.js';

/** `["3", 0]`: how the API format writes a link (source node id, output index). */
export function isApiLink(value: unknown): value is [string, number] {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') && Number.isInteger(value[1]);
}

/** Parses an API prompt; structural problems are collected, not thrown. */
export function parseApiPrompt(json: unknown, workflow?: unknown): { graph: Graph; problems: GraphProblem[] } {
  const problems: GraphProblem[] = [];
  const nodes = new Map<string, GraphNode>();
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    problems.push({ kind: 'invalid_format', message: 'an API prompt must be a JSON object keyed by node id' });
    return { graph: { nodes }, problems };
  }
  for (const [id, raw] of Object.entries(json as Record<string, unknown>)) {
    const node = raw as Partial<ApiPrompt[string]> | null;
    if (typeof node !== 'object' || node === null || typeof node.class_type !== 'string') {
      problems.push({ kind: 'invalid_format', nodeId: id, message: 'needs a string "class_type"' });
      continue;
    }
    const rawInputs = node.inputs ?? {};
    if (typeof rawInputs !== 'object' || Array.isArray(rawInputs)) {
      problems.push({ kind: 'invalid_format', nodeId: id, classType: node.class_type, message: '"inputs" must be an object' });
      continue;
    }
    // Null prototype: an input named `__proto__` is stored as a name, not as a prototype.
    const inputs = Object.create(null) as Record<string, InputBinding>;
    for (const [name, value] of Object.entries(rawInputs)) {
      inputs[name] = isApiLink(value) ? { link: { node: String(value[0]), output: value[1] } } : { value };
    }
    const title = node._meta?.title;
    nodes.set(id, { id, classType: node.class_type, inputs, ...(title ? { title } : {}) });
  }
  return { graph: { nodes, ...(workflow === undefined ? {} : { workflow }) }, problems };
}

/** Writes a graph back as an API prompt. */
export function toApiPrompt(graph: Graph): ApiPrompt {
  // Null prototypes: node ids and input names such as `__proto__` are keys like any other.
  const prompt = Object.create(null) as ApiPrompt;
  for (const node of graph.nodes.values()) {
    const inputs = Object.create(null) as Record<string, unknown>;
    for (const [name, binding] of Object.entries(node.inputs)) {
      inputs[name] = 'link' in binding ? [binding.link.node, binding.link.output] : binding.value;
    }
    prompt[node.id] = { class_type: node.classType, inputs, ...(node.title ? { _meta: { title: node.title } } : {}) };
  }
  return prompt;
}
