/**
 * Port types: the kinds of values that travel along links.
 *
 * A link from an output of type A to an input of type B is allowed when A === B, when B is the
 * wildcard `*`, or when B lists A in `accepts`. Plugins add their own types through their pack.
 */
export interface PortType {
  /** Upper-case name used in node definitions, e.g. `IMAGE`. */
  readonly name: string;
  /** One sentence for node authors and the editor's tooltips. */
  readonly description: string;
  /** Socket colour in the editor. */
  readonly color?: string;
  /** Other types this one accepts on an input (e.g. NUMBER accepts INT). */
  readonly accepts?: readonly string[];
  /**
   * Turns a literal from a graph file (`"inputs": { "x": 3 }`) into a value of this type. Types
   * without it can only be fed by links.
   */
  readonly fromLiteral?: (value: unknown) => unknown;
}

export const ANY_TYPE = '*';

export function definePortType(type: PortType): PortType {
  if (!/^[A-Z][A-Z0-9_]*$/.test(type.name)) {
    throw new Error(`port type name "${type.name}" must be UPPER_SNAKE_CASE`);
  }
  return Object.freeze({ ...type });
}

function literalOf(kind: 'number' | 'string' | 'boolean', integer = false) {
  return (value: unknown): unknown => {
    if (typeof value !== kind) throw new Error(`expected a ${integer ? 'integer' : kind}, got ${JSON.stringify(value)}`);
    if (integer && !Number.isInteger(value)) throw new Error(`expected an integer, got ${value}`);
    return value;
  };
}

/** The types every exitgraph host knows; layers and plugins add theirs through their pack. */
export const BUILTIN_PORT_TYPES: readonly PortType[] = [
  definePortType({ name: 'IMAGE', description: 'RGB(A) image, float values in [0, 1]', color: '#64b5f6' }),
  definePortType({ name: 'MASK', description: 'Single-channel image, float values in [0, 1]', color: '#81c784' }),
  definePortType({ name: 'LABEL_MAP', description: 'Per-pixel class ids with class names', color: '#ffb74d' }),
  definePortType({ name: 'NUMBER', description: 'A number', color: '#ba68c8', accepts: ['INT'], fromLiteral: literalOf('number') }),
  definePortType({ name: 'INT', description: 'An integer', color: '#9575cd', fromLiteral: literalOf('number', true) }),
  definePortType({ name: 'STRING', description: 'Text', color: '#a1887f', fromLiteral: literalOf('string') }),
  definePortType({ name: 'BOOLEAN', description: 'True or false', color: '#90a4ae', fromLiteral: literalOf('boolean') }),
];
