import type { HostServices } from '../host/host-services.js';

/**
 * An extension point: a pack field beyond `nodes` and `portTypes` (e.g. `routers`) and how its
 * contents land in the host. A pack introduces extensions in `extensions`; later packs (and the
 * same pack) may then fill the field. Registration is two-phase so that a broken pack leaves
 * nothing behind: `check` throws on any conflict and returns the commit, which cannot fail.
 */
export interface PackExtension {
  /** The pack field this extension reads. */
  readonly field: string;
  readonly description: string;
  /**
   * `pack` is the pack being registered, typed by the name only: a NodePack names its extensions,
   * so this file cannot import NodePack without an import cycle.
   */
  readonly check: (value: unknown, pack: PackBeingRegistered, services: HostServices) => () => void;
}

/** What an extension's `check` knows of the pack whose field it reads (for its error messages). */
export interface PackBeingRegistered {
  readonly name: string;
}

export function definePackExtension(extension: PackExtension): PackExtension {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(extension.field)) throw new Error(`pack extension field "${extension.field}" must be camelCase`);
  if (STANDARD_PACK_FIELDS.has(extension.field)) throw new Error(`pack extension field "${extension.field}" is a standard pack field`);
  return Object.freeze({ ...extension });
}

/** Fields every pack may have; any other field must be claimed by an extension. */
export const STANDARD_PACK_FIELDS: ReadonlySet<string> = new Set(['name', 'version', 'description', 'nodes', 'portTypes', 'extensions']);
