import { createHash, randomUUID } from 'node:crypto';

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (ArrayBuffer.isView(value)) return `"bytes:${hashBytes(value)}"`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

function hashBytes(view: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(view.buffer, view.byteOffset, view.byteLength)).digest('hex');
}

export interface CacheKeyParts {
  readonly type: string;
  readonly version: number;
  readonly params: unknown;
  readonly literals: unknown;
  readonly fingerprint?: string;
  /** Per linked input: upstream node's key and output index. */
  readonly upstream: Readonly<Record<string, readonly [string, number]>>;
}

/** Content address of a node's outputs: same parts, same outputs (for cacheable nodes). */
export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256').update(stableStringify(parts)).digest('base64url');
}

/** A key that matches nothing: for non-cacheable nodes, and so for everything downstream. */
export function uniqueKey(): string {
  return `once:${randomUUID()}`;
}
