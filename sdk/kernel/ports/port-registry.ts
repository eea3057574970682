import { ANY_TYPE, type PortType } from './port-type.js';

/** Known port types and the link compatibility rule. */
export class PortTypeRegistry {
  readonly #types = new Map<string, PortType>();

  add(type: PortType, origin: string): void {
    const existing = this.#types.get(type.name);
    if (existing && existing !== type) throw new Error(`port type ${type.name} from ${origin} is already defined`);
    this.#types.set(type.name, type);
  }

  get(name: string): PortType | undefined {
    return this.#types.get(name);
  }

  has(name: string): boolean {
    return name === ANY_TYPE || this.#types.has(name);
  }

  list(): PortType[] {
    return [...this.#types.values()];
  }

  /** Can an output of type `from` feed an input of type `to`? */
  canLink(from: string, to: string): boolean {
    if (from === to || to === ANY_TYPE || from === ANY_TYPE) return true;
    return this.#types.get(to)?.accepts?.includes(from) ?? false;
  }
}
