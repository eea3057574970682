import type { AnyNodeDefinition } from '../node/define-node.js';
import type { NodeRegistry } from '../node/node-registry.js';
import type { Graph, GraphNode, InputBinding } from './graph.js';
import type { GraphProblem } from './graph-problem.js';

/**
 * The editor's format: litegraph's serialization. exitgraph keeps node params by name in
 * `properties.params` (never in positional `widgets_values`), and the pinned type version in
 * `properties.version`.
 */
export interface WorkflowNode {
  id: number;
  type: string;
  pos: [number, number];
  size: [number, number];
  flags: Record<string, unknown>;
  order: number;
  /**
   * litegraph modes: 0 always, 2 never (muted), 4 bypass. Muted and bypassed nodes do not run; a
   * bypassed node passes through, as in ComfyUI: each of its outputs reads its first input of the
   * same type.
   */
  mode: number;
  title?: string;
  inputs: { name: string; type: string; link: number | null }[];
  outputs: { name: string; type: string; links: number[] | null; slot_index: number }[];
  properties: { params?: Record<string, unknown>; version?: number; [key: string]: unknown };
}

/** `[link id, origin node id, origin slot, target node id, target slot, type]`. */
export type WorkflowLink = [number, number, number, number, number, string];

export interface Workflow {
  last_node_id: number;
  last_link_id: number;
  nodes: WorkflowNode[];
  links: WorkflowLink[];
  groups: unknown[];
  config: Record<string, unknown>;
  extra: Record<string, unknown>;
  version: number;
}

export function isWorkflow(json: unknown): json is Workflow {
  return typeof json === 'object' && json !== null && Array.isArray((json as Workflow).nodes) && Array.isArray((json as Workflow).links);
}

const MUTED = 2;
const BYPASSED = 4;
const SKIPPED_MODES = new Set([MUTED, BYPASSED]);

/**
 * Converts an editor workflow to a graph. Literal values come from `properties.params`. Entries
 * that are not node or link shapes are reported, not thrown on; walks are loops, not recursion.
 */
export function parseWorkflow(workflow: Workflow): { graph: Graph; problems: GraphProblem[] } {
  const problems: GraphProblem[] = [];
  const links = new Map<number, WorkflowLink>();
  for (const link of workflow.links) {
    if (!Array.isArray(link) || link.length < 5) {
      problems.push({ kind: 'invalid_format', message: `link ${JSON.stringify(link)?.slice(0, 200)} is not [id, from, slot, to, slot, type]` });
      continue;
    }
    links.set(link[0], link);
  }
  const wellFormed: WorkflowNode[] = [];
  workflow.nodes.forEach((node, index) => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      problems.push({ kind: 'invalid_format', message: `workflow node at index ${index} is not an object` });
    } else if (node.inputs !== undefined && node.inputs !== null && !Array.isArray(node.inputs)) {
      problems.push({ kind: 'invalid_format', nodeId: String(node.id), message: 'workflow node "inputs" must be an array' });
    } else if (node.properties?.params !== undefined && (typeof node.properties.params !== 'object' || node.properties.params === null || Array.isArray(node.properties.params))) {
      problems.push({ kind: 'invalid_format', nodeId: String(node.id), message: 'workflow node "properties.params" must be an object' });
    } else {
      wellFormed.push(node);
    }
  });
  const skipped = new Set(wellFormed.filter((n) => SKIPPED_MODES.has(n.mode)).map((n) => String(n.id)));
  const byId = new Map(wellFormed.map((n) => [String(n.id), n]));
  /**
   * The source a link really reads: through bypassed nodes (output -> their first input of the
   * same type, repeatedly), undefined where it ends at a muted node or a bypassed node with no
   * such input (the input then reads as missing and validation says so).
   */
  const sourceOf = (first: WorkflowLink): { node: string; output: number } | undefined => {
    const seen = new Set<string>();
    let link: WorkflowLink | undefined = first;
    while (link) {
      const origin = byId.get(String(link[1]));
      if (!origin || !skipped.has(String(origin.id))) return { node: String(link[1]), output: link[2] };
      if (origin.mode !== BYPASSED || seen.has(String(origin.id))) return undefined;
      seen.add(String(origin.id));
      const type: string | undefined = origin.outputs?.[link[2]]?.type ?? link[5];
      const through: WorkflowNode['inputs'][number] | undefined = (origin.inputs ?? []).find((input) => input?.type === type && input.link !== null && input.link !== undefined);
      link = through ? links.get(through.link!) : undefined;
    }
    return undefined;
  };
  const nodes = new Map<string, GraphNode>();
  for (const node of wellFormed) {
    const id = String(node.id);
    if (skipped.has(id)) continue;
    if (typeof node.type !== 'string') {
      problems.push({ kind: 'invalid_format', nodeId: id, message: 'workflow node needs a string "type"' });
      continue;
    }
    // Null prototype: an input or param named `__proto__` is a name like any other.
    const inputs = Object.create(null) as Record<string, InputBinding>;
    for (const [name, value] of Object.entries(node.properties?.params ?? {})) inputs[name] = { value };
    for (const input of node.inputs ?? []) {
      if (typeof input !== 'object' || input === null || input.link === null || input.link === undefined) continue;
      const link = links.get(input.link);
      if (!link) {
        problems.push({ kind: 'dangling_link', nodeId: id, classType: node.type, field: String(input.name), message: `input "${input.name}" refers to link ${input.link}, which does not exist` });
        continue;
      }
      const source = sourceOf(link);
      if (source) inputs[String(input.name)] = { link: source };
    }
    const classType = node.properties?.version ? `${node.type}@${node.properties.version}` : node.type;
    nodes.set(id, { id, classType, inputs, ...(node.title ? { title: node.title } : {}) });
  }
  return { graph: { nodes, workflow }, problems };
}

const COLUMN_WIDTH = 340;
/** Free space between two nodes of a column. */
const ROW_GAP = 40;
/** A conservative height per widget, slot and title (litegraph: 20 + 4, 20, 30), and the room an output node's image takes. */
const WIDGET_HEIGHT = 24;
const SLOT_HEIGHT = 20;
const TITLE_HEIGHT = 30;
const IMAGE_HEIGHT = 280;

/**
 * How tall the editor may draw a node of this type, at most: a row per input/output slot, a
 * widget per param and per input (an unlinked literal input gets one; an image-file param also an
 * upload button), and the image output nodes show after a run (and image-file nodes at once). Stacking a column by
 * these keeps its nodes from overlapping.
 */
function conservativeHeight(definition: AnyNodeDefinition | undefined): number {
  if (!definition) return 120;
  const params = Object.values(definition.params.properties ?? {}) as { 'x-widget'?: unknown }[];
  const widgets = params.length + params.filter((p) => p['x-widget'] === 'image-file').length + Object.keys(definition.inputs).length;
  const slots = Math.max(Object.keys(definition.inputs).length, Object.keys(definition.outputs).length);
  // Output nodes show their images after a run; a node naming an image file shows it at once.
  const showsImage = definition.output === true || params.some((p) => p['x-widget'] === 'image-file');
  return TITLE_HEIGHT + slots * SLOT_HEIGHT + widgets * WIDGET_HEIGHT + 16 + (showsImage ? IMAGE_HEIGHT : 0);
}

/**
 * Converts a graph to an editor workflow, laying nodes out left to right by depth. Needs the
 * registry to know every node's ports. API ids that are not integers are renumbered.
 */
export function toWorkflow(graph: Graph, registry: NodeRegistry): Workflow {
  const ids = new Map<string, number>();
  // A loop, not Math.max(...ids): spreading 100,000 arguments overflows the stack.
  let next = 1;
  for (const id of graph.nodes.keys()) if (/^\d+$/.test(id)) next = Math.max(next, Number(id) + 1);
  for (const id of graph.nodes.keys()) ids.set(id, /^\d+$/.test(id) ? Number(id) : next++);

  const depth = columnsOf(graph);
  const depthOf = (id: string): number => depth.get(id) ?? 0;

  /** Where the next node of each column goes (stacked by conservative heights). */
  const tops = new Map<number, number>();
  const nodes: WorkflowNode[] = [];
  const links: WorkflowLink[] = [];
  const byId = new Map<string, WorkflowNode>();
  for (const node of graph.nodes.values()) {
    const registered = registry.resolve(node.classType);
    const definition = registered?.definition;
    const column = depthOf(node.id);
    const top = tops.get(column) ?? 40;
    tops.set(column, top + conservativeHeight(definition) + ROW_GAP);
    const params: Record<string, unknown> = {};
    for (const [name, binding] of Object.entries(node.inputs)) {
      if ('value' in binding) params[name] = binding.value;
    }
    const wfNode: WorkflowNode = {
      id: ids.get(node.id)!,
      type: definition?.id ?? node.classType.replace(/@\d+$/, ''),
      pos: [40 + column * COLUMN_WIDTH, top],
      size: [300, 120],
      flags: {},
      order: nodes.length,
      mode: 0,
      ...(node.title ? { title: node.title } : {}),
      inputs: Object.entries(definition?.inputs ?? {}).map(([name, spec]) => ({ name, type: spec.type, link: null })),
      outputs: Object.entries(definition?.outputs ?? {}).map(([name, spec], index) => ({ name, type: spec.type, links: [], slot_index: index })),
      properties: { params, ...(definition ? { version: definition.version } : {}) },
    };
    nodes.push(wfNode);
    byId.set(node.id, wfNode);
  }
  let linkId = 0;
  for (const node of graph.nodes.values()) {
    const target = byId.get(node.id)!;
    for (const [name, binding] of Object.entries(node.inputs)) {
      if (!('link' in binding)) continue;
      const source = byId.get(binding.link.node);
      const slot = target.inputs.findIndex((input) => input.name === name);
      if (!source || slot < 0) continue;
      const type = source.outputs[binding.link.output]?.type ?? '*';
      linkId += 1;
      links.push([linkId, source.id, binding.link.output, target.id, slot, type]);
      target.inputs[slot]!.link = linkId;
      source.outputs[binding.link.output]?.links?.push(linkId);
    }
  }
  return {
    last_node_id: nodes.reduce((most, n) => Math.max(most, n.id), 0),
    last_link_id: linkId,
    nodes,
    links,
    groups: [],
    config: {},
    extra: {},
    version: 0.4,
  };
}

/**
 * Each node's column: the length of the longest chain of links feeding it (0 for sources), found
 * with an explicit stack so that long chains do not overflow. A link that closes a cycle is not
 * followed (such graphs are invalid, but can still be drawn).
 */
function columnsOf(graph: Graph): Map<string, number> {
  const depth = new Map<string, number>();
  const entered = new Set<string>();
  const upstream = (id: string): string[] =>
    Object.values(graph.nodes.get(id)?.inputs ?? {}).flatMap((b) => ('link' in b && graph.nodes.has(b.link.node) ? [b.link.node] : []));
  for (const start of graph.nodes.keys()) {
    if (depth.has(start)) continue;
    const stack = [start];
    while (stack.length) {
      const id = stack[stack.length - 1]!;
      if (!entered.has(id)) {
        entered.add(id);
        for (const source of upstream(id)) if (!entered.has(source)) stack.push(source);
        continue;
      }
      stack.pop();
      if (depth.has(id)) continue;
      let d = 0;
      for (const source of upstream(id)) {
        const known = depth.get(source);
        if (known !== undefined) d = Math.max(d, known + 1);
      }
      depth.set(id, d);
    }
  }
  return depth;
}
