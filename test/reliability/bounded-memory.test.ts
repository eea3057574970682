/** The output cache and the prompt history are bounded in bytes, whatever the entry count. */
import { describe, expect, it } from 'vitest';
import { OutputCache, approximateBytes, createImage } from '../../sdk/index.js';
import { PromptHistory, type HistoryEntry } from '../../editor/server/prompt-history.js';

const MiB = 1024 * 1024;

describe('OutputCache', () => {
  it('counts images by their pixel buffers and evicts least recently used past maxBytes', () => {
    const image = () => createImage(512, 512, 3); // 3 MiB of float32
    expect(approximateBytes({ image: image() })).toBeGreaterThanOrEqual(3 * MiB);
    const cache = new OutputCache({ maxBytes: 10 * MiB });
    for (const key of ['a', 'b', 'c']) cache.set(key, { image: image() });
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    cache.set('d', { image: image() });
    expect(cache.bytes).toBeLessThanOrEqual(10 * MiB);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('does not keep an entry larger than the whole budget', () => {
    const cache = new OutputCache({ maxBytes: MiB });
    cache.set('big', { image: createImage(1024, 1024, 1) });
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('approximateBytes walks shared and deep values without recursion', () => {
    let deep: unknown = new Uint8Array(10);
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(approximateBytes(deep)).toBeGreaterThan(0);
    const shared = new Float32Array(1000);
    expect(approximateBytes({ a: shared, b: shared })).toBeLessThan(2 * 4000);
  });
});

describe('PromptHistory', () => {
  const entry = (bytes: number): HistoryEntry => ({ prompt: [1, 'x', { blob: 'x'.repeat(bytes) }, {}, []], outputs: {}, status: { status_str: 'success', completed: true, messages: [] }, meta: {} });

  it('drops the oldest entries past maxBytes, and always keeps the newest', () => {
    const history = new PromptHistory({ maxBytes: 3 * MiB });
    for (let i = 0; i < 8; i++) history.record(`p${i}`, entry(MiB));
    expect(history.bytes).toBeLessThanOrEqual(3 * MiB);
    expect(Object.keys(history.list())).toEqual(['p6', 'p7']);
    history.record('huge', entry(5 * MiB));
    expect(Object.keys(history.list())).toEqual(['huge']);
    history.delete(['huge']);
    expect(history.bytes).toBe(0);
  });
});
