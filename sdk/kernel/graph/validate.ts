import type { ServiceLookup } from '../host/host-services.js';
import type { AnyNodeDefinition, Params } from '../node/define-node.js';
import type { NodeRegistry } from '../node/node-registry.js';
import type { Graph, LinkRef } from './graph.js';
import type { GraphProblem } from './graph-problem.js';

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

/**
 * Checks a whole graph before anything runs and reports every problem at once, each tied to its
 * node: unknown types, inputs that are missing, unknown or of the wrong type, dangling links,
 * cycles, and params that break their schema.
 */
export function validateGraph(graph: Graph, registry: NodeRegistry, options: { requireOutputs?: boolean } = {}): ValidationResult {
  const problems: GraphProblem[] = [];
  const valid = new Map<string, ValidNode>();

  for (const node of graph.nodes.values()) {
    const registered = registry.resolve(node.classType);
    if (!registered) {
      const hints = registry.suggest(node.classType);
      problems.push({ kind: 'unknown_type', nodeId: node.id, classType: node.classType, message: `unknown node type "${node.classType}"${hints.length ? ` (did you mean ${hints.slice(0, 3).join(', ')}?)` : ''}` });
      continue;
    }
    const definition = registered.definition;
    const at = (field: string, kind: GraphProblem['kind'], message: string): void => {
      problems.push({ kind, nodeId: node.id, classType: definition.id, field, message });
    };
    const links: Record<string, LinkRef> = {};
    const literals: Record<string, unknown> = {};
    const rawParams: Record<string, unknown> = {};

    for (const [name, binding] of Object.entries(node.inputs)) {
      const port = definition.inputs[name];
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
      } else if (port) {
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
      if (!port.optional && !(name in links) && !(name in literals) && !problems.some((p) => p.nodeId === node.id && p.field === name)) {
        at(name, 'missing_input', `required input "${name}" (${port.type}) is not connected`);
      }
    }
    const checked = registry.params.check(definition, rawParams);
    for (const problem of checked.problems) {
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

/** Each cycle once, reported on its first node with the path. */
function findCycles(graph: Graph): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const binding of Object.values(graph.nodes.get(id)?.inputs ?? {})) {
      if (!('link' in binding) || !graph.nodes.has(binding.link.node)) continue;
      const next = binding.link.node;
      if (state.get(next) === 'visiting') {
        const path = stack.slice(stack.indexOf(next));
        problems.push({ kind: 'cycle', nodeId: next, classType: graph.nodes.get(next)!.classType, message: `cycle: ${[...path, next].join(' <- ')}` });
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of graph.nodes.keys()) if (!state.has(id)) visit(id);
  return problems;
}
