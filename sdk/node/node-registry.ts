import { BUILTIN_PORT_TYPES, type PortType } from '../ports/port-type.js';
import { PortTypeRegistry } from '../ports/port-registry.js';
import type { AnyNodeDefinition } from './define-node.js';
import { ParamsValidator } from './params.js';

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
  readonly #nodes = new Map<string, Map<number, RegisteredNode>>();

  constructor() {
    for (const type of BUILTIN_PORT_TYPES) this.ports.add(type, 'exitgraph');
  }

  addPortType(type: PortType, origin: string): void {
    this.ports.add(type, origin);
  }

  add(definition: AnyNodeDefinition, origin: string, builtin = false): void {
    const versions = this.#nodes.get(definition.id) ?? new Map<number, RegisteredNode>();
    const owner = versions.values().next().value as RegisteredNode | undefined;
    if (owner?.builtin && !builtin) {
      throw new Error(`${origin} cannot override built-in node type ${definition.id}`);
    }
    if (versions.has(definition.version)) {
      throw new Error(`${origin}: node type ${definition.id}@${definition.version} is already defined by ${versions.get(definition.version)!.origin}`);
    }
    for (const [name, port] of [...Object.entries(definition.inputs), ...Object.entries(definition.outputs)]) {
      if (!this.ports.has(port.type)) {
        throw new Error(`${origin}: node ${definition.id} port "${name}" has unknown type ${port.type}`);
      }
    }
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
