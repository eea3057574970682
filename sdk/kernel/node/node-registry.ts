import { BUILTIN_PORT_TYPES, type PortType } from '../ports/port-type.js';
import { PortTypeRegistry } from '../ports/port-registry.js';
import type { AnyNodeDefinition } from './define-node.js';
import { ParamsValidator } from './params.js';
import { ParamsSchemaCheck } from './params-schema.js';
import { HostServices } from '../host/host-services.js';
import type { NodePack } from '../plugins/node-pack.js';
import { STANDARD_PACK_FIELDS, type PackExtension } from '../plugins/pack-extension.js';

export interface RegisteredNode {
  readonly definition: AnyNodeDefinition;
  /** The pack it came from (`exitgraph` for built-ins). */
  readonly origin: string;
  readonly builtin: boolean;
}

/**
 * All node types a host knows, every version of each. A graph names a type as `id` (latest
 * version) or `id@version` (pinned); saved graphs pin, so that an upgrade never silently changes
 * what an old graph means.
 */
export class NodeRegistry {
  readonly ports = new PortTypeRegistry();
  readonly params = new ParamsValidator();
  readonly #schemas = new ParamsSchemaCheck();
  /** The host's services (router registries, model sessions): created per host on first use. */
  readonly services = new HostServices();
  readonly #nodes = new Map<string, Map<number, RegisteredNode>>();
  readonly #extensions = new Map<string, { extension: PackExtension; origin: string }>();

  constructor() {
    for (const type of BUILTIN_PORT_TYPES) this.ports.add(type, 'exitgraph');
  }

  addPortType(type: PortType, origin: string): void {
    this.ports.add(type, origin);
  }

  add(definition: AnyNodeDefinition, origin: string, builtin = false): void {
    this.#checkNode(definition, origin, builtin, (type) => this.ports.has(type));
    this.#commitNode(definition, origin, builtin);
  }

  /**
   * Registers a whole pack: port types, extensions, nodes and extension contributions. Every
   * check runs before anything is committed, so a pack with any problem leaves nothing behind.
   */
  addPack(pack: NodePack, builtin = false): void {
    const where = `pack ${pack.name}`;
    const packTypes = new Map<string, PortType>();
    for (const type of pack.portTypes ?? []) {
      const existing = this.ports.get(type.name) ?? packTypes.get(type.name);
      if (existing && existing !== type) throw new Error(`${where}: port type ${type.name} is already defined`);
      packTypes.set(type.name, type);
    }
    const packExtensions = new Map<string, PackExtension>();
    for (const extension of pack.extensions ?? []) {
      const existing = this.#extensions.get(extension.field)?.extension ?? packExtensions.get(extension.field);
      if (existing && existing !== extension) throw new Error(`${where}: extension field "${extension.field}" is already defined`);
      packExtensions.set(extension.field, extension);
    }
    const known = (type: string): boolean => this.ports.has(type) || packTypes.has(type);
    const pinned = new Set<string>();
    for (const definition of pack.nodes) {
      this.#checkNode(definition, where, builtin, known);
      const id = `${definition.id}@${definition.version}`;
      if (pinned.has(id)) throw new Error(`${where}: node type ${id} is defined twice in the pack`);
      pinned.add(id);
    }
    const commits: (() => void)[] = [];
    for (const field of Object.keys(pack)) {
      if (STANDARD_PACK_FIELDS.has(field) || pack[field] === undefined) continue;
      const extension = packExtensions.get(field) ?? this.#extensions.get(field)?.extension;
      if (!extension) throw new Error(`${where}: unknown pack field "${field}" (no loaded pack defines that extension point)`);
      commits.push(extension.check(pack[field], pack, this.services));
    }
    for (const type of packTypes.values()) this.ports.add(type, pack.name);
    for (const extension of packExtensions.values()) this.#extensions.set(extension.field, { extension, origin: pack.name });
    for (const definition of pack.nodes) this.#commitNode(definition, pack.name, builtin);
    for (const commit of commits) commit();
  }

  #checkNode(definition: AnyNodeDefinition, origin: string, builtin: boolean, knownType: (type: string) => boolean): void {
    const versions = this.#nodes.get(definition.id);
    const owner = versions?.values().next().value as RegisteredNode | undefined;
    if (owner?.builtin && !builtin) throw new Error(`${origin} cannot override built-in node type ${definition.id}`);
    const clash = versions?.get(definition.version);
    if (clash) throw new Error(`${origin}: node type ${definition.id}@${definition.version} is already defined by ${clash.origin}`);
    for (const [name, port] of [...Object.entries(definition.inputs), ...Object.entries(definition.outputs)]) {
      if (!knownType(port.type)) throw new Error(`${origin}: node ${definition.id} port "${name}" has unknown type ${port.type}`);
    }
    // Built-ins' schemas are checked by the test suite (see paramsAjv).
    if (!builtin) {
      const problems = this.#schemas.problems(definition.params);
      if (problems.length) throw new Error(`${origin}: node ${definition.id}: its params schema is not a valid JSON Schema: ${problems.join('; ')}`);
    }
  }

  #commitNode(definition: AnyNodeDefinition, origin: string, builtin: boolean): void {
    const versions = this.#nodes.get(definition.id) ?? new Map<number, RegisteredNode>();
    versions.set(definition.version, { definition, origin, builtin });
    this.#nodes.set(definition.id, versions);
  }

  /** Resolves `id` or `id@version`. */
  resolve(classType: string): RegisteredNode | undefined {
    const at = classType.lastIndexOf('@');
    const id = at > 0 ? classType.slice(0, at) : classType;
    const versions = this.#nodes.get(id);
    if (!versions) return undefined;
    if (at > 0) return versions.get(Number(classType.slice(at + 1)));
    return versions.get(Math.max(...versions.keys()));
  }

  /** Latest version of every type, sorted by id. */
  list(): RegisteredNode[] {
    return [...this.#nodes.values()]
      .map((versions) => versions.get(Math.max(...versions.keys()))!)
      .sort((a, b) => a.definition.id.localeCompare(b.definition.id));
  }

  /** Ids close to a misspelt one, for "did you mean" hints. */
  suggest(classType: string): string[] {
    const wanted = classType.toLowerCase().replace(/@\d+$/, '');
    const tail = wanted.split('/').pop()!;
    return [...this.#nodes.keys()].filter((id) => {
      const lower = id.toLowerCase();
      const name = lower.split('/').pop()!;
      // Substrings catch a missing namespace or a partial name; the edit distance catches typos.
      return lower.endsWith(`/${tail}`) || lower.includes(tail) || tail.includes(name) || editDistance(name, tail) <= Math.max(1, Math.floor(name.length / 4));
    });
  }
}

/** Levenshtein distance: insertions, deletions and substitutions to turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
