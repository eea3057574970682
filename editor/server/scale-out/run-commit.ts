import type { Redis } from 'ioredis';
import { EVENTS_CHANNEL, HISTORY_KEY, HISTORY_ORDER_KEY } from './keys.js';

/**
 * Stores a prompt's history entry and publishes its closing messages in one atomic step, but
 * only if no attempt of the same prompt did so before. This is what makes at-least-once
 * delivery look exactly-once to clients: a retried prompt ends (history + success/error) once.
 */
const COMMIT_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
for i = 5, #ARGV do redis.call('PUBLISH', ARGV[4], ARGV[i]) end
return 1
`;

/** Returns false when another attempt already ended this prompt (then nothing was written). */
export async function commitRun(redis: Redis, promptId: string, entryJson: string, published: readonly string[]): Promise<boolean> {
  const done = await redis.eval(COMMIT_SCRIPT, 2, HISTORY_KEY, HISTORY_ORDER_KEY, promptId, entryJson, String(Date.now()), EVENTS_CHANNEL, ...published);
  return done === 1;
}

export async function isFinished(redis: Redis, promptId: string): Promise<boolean> {
  return (await redis.hexists(HISTORY_KEY, promptId)) === 1;
}
