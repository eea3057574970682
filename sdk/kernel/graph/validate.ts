import type { ServiceLookup } from '../host/host-services.js';
import type { AnyNodeDefinition, Params } from '../node/define-node.js';
import type { NodeRegistry } from '../node/node-registry.js';
import type { Graph, LinkRef } from './graph.js';
import { DEFAULT_GRAPH_LIMITS, valueDepth, type GraphLimits } from './graph-limits.js';
import { MAX_REPORTED_PROBLEMS, type GraphProblem } from './graph-problem.js';

/** A node that passed validation: its definition resolved, params checked and defaulted. */
export interface ValidNode {
  readonly id: string;
  readonly definition: AnyNodeDefinition;
  readonly params: Params;
  /** Port inputs fed by links. */
  readonly links: Readonly<Record<string, LinkRef>>;
  /** Port inputs given as literals (for types that accept them). */
  readonly literals: Readonly<Record<string, unknown>>;
  readonly title?: string;
}

export interface ValidGraph {
  readonly nodes: ReadonlyMap<string, ValidNode>;
  /** Output nodes, the default targets of a run. */
  readonly outputNodes: readonly string[];
  readonly source: Graph;
  /** The services of the host it was validated against: what its nodes see as `ctx.services`. */
  readonly services: ServiceLookup;
}

export interface ValidationResult {
  readonly problems: GraphProblem[];
  /** Present when there are no problems. */
  readonly graph?: ValidGraph;
}

export interface ValidateOptions {
  readonly requireOutputs?: boolean;
  /** Size limits (defaults: `DEFAULT_GRAPH_LIMITS`). */
  readonly limits?: Partial<GraphLimits>;
}

/**
 * Checks a whole graph before anything runs and reports every problem at once, each tied to its
 * node: unknown types, inputs that are missing, unknown or of the wrong type, dangling links,
 * cycles, params that break their schema, and values or graphs past the size limits. Runs in
 * time linear in the graph's size, with no recursion, so a huge or hostile graph is refused
 * quickly.
 */
export function validateGraph(graph: Graph, registry: NodeRegistry, options: ValidateOptions = {}): ValidationResult {
  const limits = { ...DEFAULT_GRAPH_LIMITS, ...options.limits };
  if (graph.nodes.size > limits.maxNodes) {
    return { problems: [{ kind: 'too_large', message: `the graph has ${graph.nodes.size} nodes; at most ${limits.maxNodes} are allowed` }] };
  }
  const problems: GraphProblem[] = [];
  const valid = new Map<string, ValidNode>();
  const hintsFor = new Map<string, string[]>();

  for (const node of graph.nodes.values()) {
    const registered = registry.resolve(node.classType);
    if (!registered) {
      let hints = hintsFor.get(node.classType);
      if (!hints) hintsFor.set(node.classType, (hints = registry.suggest(node.classType)));
      problems.push({ kind: 'unknown_type', nodeId: node.id, classType: node.classType, message: `unknown node type "${node.classType}"${hints.length ? ` (did you mean ${hints.slice(0, 3).join(', ')}?)` : ''}` });
      continue;
    }
    const definition = registered.definition;
    const failed = new Set<string>();
    const at = (field: string, kind: GraphProblem['kind'], message: string): void => {
      failed.add(field);
      problems.push({ kind, nodeId: node.id, classType: definition.id, field, message });
    };
    // Null-prototype records: an input named `__proto__` or `constructor` is just a name here.
    const links: Record<string, LinkRef> = Object.create(null) as Record<string, LinkRef>;
    const literals: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    const rawParams: Record<string, unknown> = Object.create(null) as Record<string, unknown>;

    for (const [name, binding] of Object.entries(node.inputs)) {
      // Own properties only: `toString` is not an input just because every object has one.
      const port = Object.hasOwn(definition.inputs, name) ? definition.inputs[name] : undefined;
      if ('link' in binding) {
        if (!port) {
          at(name, 'unknown_input', `"${name}" is not an input of ${definition.id} (inputs: ${Object.keys(definition.inputs).join(', ') || 'none'})`);
          continue;
        }
        const source = graph.nodes.get(binding.link.node);
        if (!source) {
          at(name, 'dangling_link', `input "${name}" links to node ${binding.link.node}, which is not in the graph`);
          continue;
        }
        const sourceDefinition = registry.resolve(source.classType)?.definition;
        if (sourceDefinition) {
          const outputs = Object.entries(sourceDefinition.outputs);
          const output = outputs[binding.link.output];
          if (!output) {
            at(name, 'dangling_link', `input "${name}" links to output ${binding.link.output} of node ${source.id} (${sourceDefinition.id}), which has ${outputs.length} output${outputs.length === 1 ? '' : 's'}`);
            continue;
          }
          if (!registry.ports.canLink(output[1].type, port.type)) {
            at(name, 'type_mismatch', `input "${name}" expects ${port.type} but node ${source.id} output "${output[0]}" gives ${output[1].type}`);
            continue;
          }
        }
        links[name] = binding.link;
        continue;
      }
      const depth = valueDepth(binding.value, limits.maxValueDepth);
      if (depth > limits.maxValueDepth) {
        at(name, port ? 'type_mismatch' : 'invalid_param', `${port ? 'input' : 'param'} "${name}" nests arrays or objects deeper than ${limits.maxValueDepth} levels`);
        continue;
      }
      if (port) {
        const type = registry.ports.get(port.type);
        if (!type?.fromLiteral) {
          at(name, 'type_mismatch', `input "${name}" (${port.type}) must be linked to a node output; it cannot take a literal value`);
          continue;
        }
        try {
          literals[name] = type.fromLiteral(binding.value);
        } catch (error) {
          at(name, 'type_mismatch', `input "${name}" (${port.type}): ${(error as Error).message}`);
        }
      } else {
        rawParams[name] = binding.value;
      }
    }
    for (const [name, port] of Object.entries(definition.inputs)) {
      if (!port.optional && !Object.hasOwn(links, name) && !Object.hasOwn(literals, name) && !failed.has(name)) {
        at(name, 'missing_input', `required input "${name}" (${port.type}) is not connected`);
      }
    }
    const checked = registry.params.check(definition, rawParams);
    for (const problem of checked.problems) {
      if (failed.has(problem.param)) continue;
      at(problem.param, problem.message.startsWith('unknown param') ? 'unknown_param' : 'invalid_param', problem.message);
    }
    valid.set(node.id, { id: node.id, definition, params: checked.params, links, literals, ...(node.title ? { title: node.title } : {}) });
  }

  problems.push(...findCycles(graph));
  const outputNodes = [...valid.values()].filter((n) => n.definition.output).map((n) => n.id);
  if (options.requireOutputs && outputNodes.length === 0 && graph.nodes.size > 0) {
    problems.push({ kind: 'no_outputs', message: 'the graph has no output node (e.g. SaveImage or PreviewImage), so running it would do nothing' });
  }
  if (graph.nodes.size === 0) problems.push({ kind: 'no_outputs', message: 'the graph has no nodes' });
  return problems.length ? { problems } : { problems, graph: { nodes: valid, outputNodes, source: graph, services: registry.services } };
}

/** The ids of the nodes `node` links to (that are in the graph). */
function linkedIds(graph: Graph, id: string): string[] {
  const ids: string[] = [];
  for (const binding of Object.values(graph.nodes.get(id)?.inputs ?? {})) {
    if ('link' in binding && graph.nodes.has(binding.link.node)) ids.push(binding.link.node);
  }
  return ids;
}

/**
 * Each cycle once, reported on its first node with the path. A depth-first walk with an explicit
 * stack (a 20,000-node chain would overflow a recursive one); paths are only spelt out for the
 * first cycles, so a graph full of them costs linear time.
 */
function findCycles(graph: Graph): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const done = new Set<string>();
  /** Position of each node on the current path. */
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const frames: { id: string; next: string[]; at: number }[] = [];
  for (const start of graph.nodes.keys()) {
    if (done.has(start)) continue;
    frames.push({ id: start, next: linkedIds(graph, start), at: 0 });
    onPath.set(start, 0);
    path.push(start);
    while (frames.length) {
      const frame = frames[frames.length - 1]!;
      if (frame.at === frame.next.length) {
        frames.pop();
        path.pop();
        onPath.delete(frame.id);
        done.add(frame.id);
        continue;
      }
      const next = frame.next[frame.at++]!;
      const position = onPath.get(next);
      if (position !== undefined) {
        const cycle = problems.length < MAX_REPORTED_PROBLEMS ? `${[...path.slice(position), next].join(' <- ')}` : `${next} <- ... <- ${next}`;
        problems.push({ kind: 'cycle', nodeId: next, classType: graph.nodes.get(next)!.classType, message: `cycle: ${cycle}` });
      } else if (!done.has(next)) {
        onPath.set(next, path.length);
        path.push(next);
        frames.push({ id: next, next: linkedIds(graph, next), at: 0 });
      }
    }
  }
  return problems;
}
