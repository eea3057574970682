/**
 * What a shape rule sees of one node: its op, opset, attributes, and the shapes and tracked values
 * of its inputs so far. A rule that cannot decide throws UnknownShape; inferShapes reports the
 * node as unresolved instead of guessing.
 */
import type { NodeAttributes } from './node-attributes.js';

/** Largest tensor whose values are tracked (shapes, axes, scales, sizes are all tiny). */
export const MAX_TRACKED_VALUES = 64;

/** A node whose output shapes cannot be inferred (the message says why). */
export class UnknownShape extends Error {}

/** Output shapes (and small output values) by output position; undefined where unknown. */
export interface ShapeResult {
  shapes: (readonly number[] | undefined)[];
  values?: (number[] | undefined)[];
}

/** The inference of one op type. */
export type ShapeRule = (node: NodeView) => ShapeResult;

/** Shape rules by op type. */
export type ShapeRules = Readonly<Record<string, ShapeRule>>;

export class NodeView {
  constructor(
    readonly op: string,
    readonly opset: number,
    /** Input tensor names by position; ONNX marks an omitted optional input with ''. */
    readonly inputs: readonly string[],
    readonly attrs: NodeAttributes,
    private readonly shapes: ReadonlyMap<string, readonly number[]>,
    private readonly values: ReadonlyMap<string, number[]>,
  ) {}

  /** The names of the inputs actually given. */
  get presentInputs(): string[] {
    return this.inputs.filter(Boolean);
  }

  /** The shape of input `index`; UnknownShape when it is missing or not inferred. */
  shape(index: number): readonly number[] {
    const name = this.inputs[index];
    if (name === undefined) throw new UnknownShape(`${this.op} has no input ${index}`);
    return this.shapeOf(name);
  }

  shapeOf(name: string): readonly number[] {
    const shape = this.shapes.get(name);
    if (!shape) throw new UnknownShape(`shape of input "${name}" unknown`);
    return shape;
  }

  /** The tracked values of input `index`, when it is a small constant (or computed from one). */
  value(index: number): number[] | undefined {
    return this.valueOf(this.inputs[index]);
  }

  valueOf(name: string | undefined): number[] | undefined {
    return name ? this.values.get(name) : undefined;
  }

  /** The values of input `index`, which the rule cannot do without (`what` names it in the error). */
  requireValue(index: number, what: string): number[] {
    const value = this.value(index);
    if (!value) throw new UnknownShape(`${what} ("${this.inputs[index] ?? ''}") is not a constant`);
    return value;
  }
}
