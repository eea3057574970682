/** Typed reads of an ONNX node's attributes, with the defaults the ONNX spec gives. */
import { toNumber, type pb } from '../onnx-proto.js';

export class NodeAttributes {
  readonly #byName: ReadonlyMap<string, pb.IAttributeProto>;

  constructor(attributes: readonly pb.IAttributeProto[]) {
    this.#byName = new Map(attributes.map((a) => [a.name ?? '', a]));
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  get(name: string): pb.IAttributeProto | undefined {
    return this.#byName.get(name);
  }

  int(name: string, fallback: number): number {
    const a = this.#byName.get(name);
    return a && a.i != null ? toNumber(a.i) : fallback;
  }

  /** A non-empty INTS attribute, or undefined (an empty list means "not given" in practice). */
  ints(name: string): number[] | undefined {
    const a = this.#byName.get(name);
    return a?.ints?.length ? a.ints.map(toNumber) : undefined;
  }

  floats(name: string): number[] | undefined {
    const a = this.#byName.get(name);
    return a?.floats?.length ? [...a.floats] : undefined;
  }

  string(name: string, fallback: string): string {
    const s = this.#byName.get(name)?.s;
    return s?.length ? new TextDecoder().decode(s) : fallback;
  }

  tensor(name: string): pb.ITensorProto | undefined {
    return this.#byName.get(name)?.t ?? undefined;
  }
}
