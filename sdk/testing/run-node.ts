import {
  GraphValidationError,
  defineNode,
  runGraph,
  type AnyNodeDefinition,
  type GraphNode,
  type GraphProblem,
  type InputBinding,
  type NodeRegistry,
  type RunEvent,
  type RunStatus,
  type ServiceLookup,
  type ValidGraph,
  type ValidNode,
  type Workspace,
} from '../index.js';

/** The part of a host that running one node needs. */
export interface NodeHost {
  readonly registry: NodeRegistry;
  readonly services: ServiceLookup;
}

/** What to feed the node under test. */
export interface RunNodeOptions {
  /**
   * Input values by port name, handed to `run` as they are (an `Image`, a `LabelMap`, a
   * `Difficulty`...). A lazy input receives a function resolving to the value.
   */
  readonly inputs?: Readonly<Record<string, unknown>>;
  /** Params by name; validated and defaulted by the node's schema as in a graph. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** What the node sees as `ctx.device` (default `cpu`). */
  readonly device?: string;
  /** Where the node reads and writes files (default: the engine's, the current folder). */
  readonly workspace?: Workspace;
  /** Cancels the run (the node sees it as `ctx.signal`). */
  readonly signal?: AbortSignal;
  /** The node's id in the one-node graph (default `1`, as ComfyUI numbers nodes), as events and errors name it. */
  readonly nodeId?: string;
}

/** What one node did: its outputs, what it reported to the user, and every event. */
export interface NodeRun {
  readonly status: RunStatus;
  /** The node's outputs by name; undefined when it failed or was cancelled. */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Its `ctx.ui` payload (files written, figures), or `{}` when it reported none. */
  readonly ui: Readonly<Record<string, unknown>>;
  /**
   * Every event of the run: the node's progress, previews, logs, done or error (filter with
   * `eventTypes(events, nodeId)`: the fixture nodes feeding it, `<nodeId>.<input>`, report too).
   */
  readonly events: readonly RunEvent[];
  /** Why it failed (a `NodeRunError` naming the node), or the cancellation. */
  readonly error?: Error;
}

/** Type of the nodes that hand fixture values to the node under test. */
const FIXTURE_TYPE = 'exitgraph-testing/Fixture';

/**
 * Runs one node through the real engine, with fixture values on its inputs: `node` is a type
 * registered in the host (`"mypack/Blur"`, `"mypack/Blur@2"`) or a definition (which need not be
 * registered). Params are checked by the node's schema first; bad params, unknown inputs or a
 * missing required input throw an error naming them, before anything runs.
 */
export async function runNode(host: NodeHost, node: string | AnyNodeDefinition, options: RunNodeOptions = {}): Promise<NodeRun> {
  const definition = typeof node === 'string' ? resolveType(host.registry, node) : node;
  const nodeId = options.nodeId ?? '1';
  const graph = oneNodeGraph(host, definition, nodeId, options);
  const events: RunEvent[] = [];
  const result = await runGraph(graph, {
    targets: [nodeId],
    onEvent: (event) => events.push(event),
    ...(options.device === undefined ? {} : { device: options.device }),
    ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const outputs = result.values.get(nodeId);
  return {
    status: result.status,
    ui: result.ui[nodeId] ?? {},
    events,
    ...(outputs === undefined ? {} : { outputs }),
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}

function resolveType(registry: NodeRegistry, type: string): AnyNodeDefinition {
  const registered = registry.resolve(type);
  if (!registered) {
    const hints = registry.suggest(type);
    throw new Error(`runNode: unknown node type "${type}"${hints.length ? ` (did you mean ${hints.slice(0, 3).join(', ')}?)` : ''}`);
  }
  return registered.definition;
}

/** The node under test fed by one fixture node per given input, validated as a graph would be. */
function oneNodeGraph(host: NodeHost, definition: AnyNodeDefinition, nodeId: string, options: RunNodeOptions): ValidGraph {
  const given = options.inputs ?? {};
  const where = `runNode(${definition.id}, node ${nodeId})`;
  for (const name of Object.keys(given)) {
    if (!(name in definition.inputs)) throw new Error(`${where}: "${name}" is not an input (inputs: ${Object.keys(definition.inputs).join(', ') || 'none'})`);
  }
  for (const [name, port] of Object.entries(definition.inputs)) {
    if (!port.optional && !(name in given)) throw new Error(`${where}: required input "${name}" (${port.type}) is not given`);
  }
  const checked = host.registry.params.check(definition, options.params ?? {});
  if (checked.problems.length) {
    const problems: GraphProblem[] = checked.problems.map((problem) => ({
      kind: problem.message.startsWith('unknown param') ? 'unknown_param' : 'invalid_param',
      nodeId,
      classType: definition.id,
      field: problem.param,
      message: problem.message,
    }));
    throw new GraphValidationError(problems, where);
  }

  const nodes = new Map<string, ValidNode>();
  const source = new Map<string, GraphNode>();
  const links: Record<string, { node: string; output: number }> = {};
  const bindings: Record<string, InputBinding> = {};
  for (const [name, value] of Object.entries(given)) {
    const id = `${nodeId}.${name}`;
    const port = definition.inputs[name];
    const fixture = defineNode({
      id: FIXTURE_TYPE,
      version: 1,
      title: `Fixture ${name}`,
      category: 'testing',
      description: 'Hands a test fixture value to the node under test.',
      inputs: {},
      outputs: { value: { type: port?.type ?? '*' } },
      params: { type: 'object', properties: {} },
      cacheable: false,
      run: () => ({ value }),
    });
    nodes.set(id, { id, definition: fixture, params: {}, links: {}, literals: {} });
    source.set(id, { id, classType: FIXTURE_TYPE, inputs: {} });
    links[name] = { node: id, output: 0 };
    bindings[name] = { link: links[name] };
  }
  for (const [name, value] of Object.entries(options.params ?? {})) bindings[name] = { value };
  nodes.set(nodeId, { id: nodeId, definition, params: checked.params, links, literals: {} });
  source.set(nodeId, { id: nodeId, classType: definition.id, inputs: bindings });
  return { nodes, outputNodes: [nodeId], source: { nodes: source }, services: host.services };
}
