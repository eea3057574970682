/**
 * The in-memory graph every format parses into: nodes keyed by id, each input either a link to
 * another node's output (by index, as the API format writes it) or a literal value.
 */
export interface LinkRef {
  readonly node: string;
  readonly output: number;
}

export type InputBinding = { readonly link: LinkRef } | { readonly value: unknown };

export interface GraphNode {
  readonly id: string;
  /** `namespace/Name` or `namespace/Name@version`. */
  readonly classType: string;
  readonly inputs: Readonly<Record<string, InputBinding>>;
  readonly title?: string;
}

export interface Graph {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  /** The editor workflow this graph came from, kept so outputs can embed it. */
  readonly workflow?: unknown;
}

/** ComfyUI's API prompt format: `{ "<id>": { class_type, inputs: { name: literal | [src, index] } } }`. */
export interface ApiPromptNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}
export type ApiPrompt = Record<string, ApiPromptNode>;

export function isLink(binding: InputBinding): binding is { link: LinkRef } {
  return 'link' in binding;
}
