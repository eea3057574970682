import { definePortType, type PortType } from './port-type.js';

/**
 * A port type as plain JSON, as `/api/nodes` serves it: everything but the literal parser, which
 * becomes a flag (the editor gives such inputs a widget while they are unlinked).
 */
export interface PortDescription {
  readonly name: string;
  readonly description: string;
  /** Socket colour, or null for the editor's default. */
  readonly color: string | null;
  /** Other types this one accepts on an input. */
  readonly accepts: readonly string[];
  /** Inputs of this type can take a typed-in value instead of a link. */
  readonly literal: boolean;
}

export function describePortType(type: PortType): PortDescription {
  return {
    name: type.name,
    description: type.description,
    color: type.color ?? null,
    accepts: type.accepts ?? [],
    literal: typeof type.fromLiteral === 'function',
  };
}

/**
 * A port type rebuilt from its description, for a PortTypeRegistry on the far side of the wire
 * (the editor checks links with the kernel's own rule). It has no literal parser: literals are
 * parsed where graphs run.
 */
export function portTypeFromDescription(description: PortDescription): PortType {
  return definePortType({
    name: description.name,
    description: description.description,
    accepts: [...description.accepts],
    ...(description.color === null ? {} : { color: description.color }),
  });
}
