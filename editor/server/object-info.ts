import { describeNode, type NodeRegistry, type RegisteredNode } from '../../sdk/index.js';

type ComfyInput = [string | unknown[], Record<string, unknown>?];

/** One class in ComfyUI's `GET /object_info`. */
export interface ComfyNodeInfo {
  input: { required: Record<string, ComfyInput>; optional: Record<string, ComfyInput> };
  input_order: { required: string[]; optional: string[] };
  output: string[];
  output_is_list: boolean[];
  output_name: string[];
  name: string;
  display_name: string;
  description: string;
  python_module: string;
  category: string;
  output_node: boolean;
  /** exitgraph's own: the type version a prompt naming this class runs. */
  exitgraph_version: number;
}

/**
 * The registry in ComfyUI's `object_info` shape, so ComfyUI clients can list node types and
 * build prompts: ports become typed inputs, params become widget inputs (INT, FLOAT, BOOLEAN,
 * STRING, or a combo list for enums) with their defaults and limits.
 */
export function objectInfo(registry: NodeRegistry): Record<string, ComfyNodeInfo> {
  const info: Record<string, ComfyNodeInfo> = {};
  for (const node of registry.list()) info[node.definition.id] = nodeInfo(node);
  return info;
}

function nodeInfo({ definition, origin }: RegisteredNode): ComfyNodeInfo {
  const required: Record<string, ComfyInput> = {};
  const optional: Record<string, ComfyInput> = {};
  for (const [name, spec] of Object.entries(definition.inputs)) {
    const entry: ComfyInput = [spec.type, { ...(spec.description ? { tooltip: spec.description } : {}), ...(spec.lazy ? { lazy: true } : {}) }];
    (spec.optional ? optional : required)[name] = entry;
  }
  const requiredParams = new Set(definition.params.required ?? []);
  for (const [name, schema] of Object.entries(definition.params.properties)) {
    const entry = paramInput(schema);
    (requiredParams.has(name) || 'default' in schema ? required : optional)[name] = entry;
  }
  const outputs = Object.entries(definition.outputs);
  return {
    input: { required, optional },
    input_order: { required: Object.keys(required), optional: Object.keys(optional) },
    output: outputs.map(([, spec]) => spec.type),
    output_is_list: outputs.map(() => false),
    output_name: outputs.map(([name]) => name),
    name: definition.id,
    display_name: definition.title,
    description: definition.description,
    python_module: origin,
    category: definition.category,
    output_node: definition.output === true,
    exitgraph_version: definition.version,
  };
}

/** A param's JSON Schema -> ComfyUI widget input. */
function paramInput(schema: Readonly<Record<string, unknown>>): ComfyInput {
  const options: Record<string, unknown> = {};
  if ('default' in schema) options.default = schema.default;
  if (typeof schema.description === 'string') options.tooltip = schema.description;
  if (Array.isArray(schema.enum)) return [[...schema.enum], options];
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum;
      const max = schema.maximum ?? schema.exclusiveMaximum;
      if (typeof min === 'number') options.min = min;
      if (typeof max === 'number') options.max = max;
      options.step = typeof schema.multipleOf === 'number' ? schema.multipleOf : schema.type === 'integer' ? 1 : 0.01;
      return [schema.type === 'integer' ? 'INT' : 'FLOAT', options];
    }
    case 'boolean':
      return ['BOOLEAN', options];
    case 'string':
      if (schema.format === 'textarea') options.multiline = true;
      return ['STRING', options];
    default:
      return ['JSON', { ...options, schema }];
  }
}

/** exitgraph's own `GET /api/nodes`: definitions with their params schemas, and the port types. */
export function nodeCatalog(registry: NodeRegistry): { nodes: unknown[]; ports: unknown[] } {
  return {
    nodes: registry.list().map(describeNode),
    ports: registry.ports.list().map((type) => ({
      name: type.name,
      description: type.description,
      color: type.color ?? null,
      accepts: type.accepts ?? [],
      literal: typeof type.fromLiteral === 'function',
    })),
  };
}
