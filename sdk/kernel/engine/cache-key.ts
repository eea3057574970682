import { createHash, randomUUID } from 'node:crypto';

/**
 * JSON with object keys sorted, so equal values always give equal text. Walks with an explicit
 * stack of pending pieces, not recursion, so no value is too deep to key.
 */
export function stableStringify(value: unknown): string {
  const out: string[] = [];
  // Each item is a value still to write, or text (punctuation, keys) to write as it is.
  const stack: ({ text: string } | { value: unknown })[] = [{ value }];
  while (stack.length) {
    const item = stack.pop()!;
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const current = item.value;
    if (current === null || typeof current !== 'object') {
      out.push(JSON.stringify(current) ?? 'null');
    } else if (ArrayBuffer.isView(current)) {
      out.push(`"bytes:${hashBytes(current)}"`);
    } else {
      const isArray = Array.isArray(current);
      const pieces: ({ text: string } | { value: unknown })[] = [{ text: isArray ? '[' : '{' }];
      if (isArray) {
        current.forEach((element, index) => pieces.push(...(index ? [{ text: ',' }] : []), { value: element }));
      } else {
        const entries = Object.entries(current as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        entries.forEach(([key, v], index) => pieces.push({ text: `${index ? ',' : ''}${JSON.stringify(key)}:` }, { value: v }));
      }
      pieces.push({ text: isArray ? ']' : '}' });
      for (let i = pieces.length - 1; i >= 0; i--) stack.push(pieces[i]!);
    }
  }
  return out.join('');
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
