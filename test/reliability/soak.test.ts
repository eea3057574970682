/**
 * A soak: a few hundred small prompts, each with outputs the cache has not seen (0.5 to 2.6 MB
 * of label map and image apiece, about 350 MB in all), through a server on loopback with a
 * 32 MiB output cache. The cache stays within its bytes, the history within its own, and the process's
 * resident memory grows by at most the cache budget plus a stated margin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptHistory } from '../../editor/server/prompt-history.js';
import { historyOf, postPrompt, startLoopback, type Loopback } from './loopback.js';

const CACHE_BYTES = 32 * 1024 * 1024;
const HISTORY_BYTES = 1024 * 1024;
/**
 * Room for what is not the cache: the prompt in flight (a few MB of outputs, its PNG), garbage not
 * yet collected, allocator slack and the test runner itself.
 */
const MARGIN_BYTES = 128 * 1024 * 1024;
const PROMPTS = 250;
const WARM_UP = 20;

let server: Loopback;
beforeAll(async () => {
  server = await startLoopback({ historyBytes: HISTORY_BYTES }, { cacheBytes: CACHE_BYTES });
});
afterAll(async () => server?.stop());

/** A 200-450 px square map (a new size each time, so nothing is a cache hit) -> colours -> preview. */
function prompt(i: number): Record<string, unknown> {
  const side = 200 + i;
  return {
    '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: side, height: side } },
    '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
    '3': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['2', 0] } },
  };
}

async function runPrompt(i: number): Promise<void> {
  const answer = await postPrompt(server, prompt(i));
  expect(answer.status).toBe(200);
  expect((await historyOf(server, answer.json().prompt_id)).status.status_str).toBe('success');
}

describe('soak', () => {
  it(`${PROMPTS} prompts keep RSS within the cache budget plus ${MARGIN_BYTES / 2 ** 20} MiB`, async () => {
    for (let i = 0; i < WARM_UP; i++) await runPrompt(i);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    for (let i = WARM_UP; i < PROMPTS; i++) {
      await runPrompt(i);
      peak = Math.max(peak, process.memoryUsage().rss);
      const cache = server.server.context.host.cache;
      expect(cache.bytes).toBeLessThanOrEqual(CACHE_BYTES);
      const history = server.server.context.history;
      expect(history).toBeInstanceOf(PromptHistory);
      expect((history as PromptHistory).bytes).toBeLessThanOrEqual(HISTORY_BYTES);
    }
    const growth = peak - baseline;
    process.stderr.write(`soak: ${PROMPTS} prompts, RSS ${(baseline / 2 ** 20).toFixed(0)} -> peak ${(peak / 2 ** 20).toFixed(0)} MiB (growth ${(growth / 2 ** 20).toFixed(0)} MiB; cache ${CACHE_BYTES / 2 ** 20} MiB + margin ${MARGIN_BYTES / 2 ** 20} MiB)\n`);
    expect(growth).toBeLessThanOrEqual(CACHE_BYTES + MARGIN_BYTES);
  }, 120_000);
});
