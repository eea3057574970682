import type { Redis } from 'ioredis';
import { PromptHistory, type HistoryEntry } from '../prompt-history.js';
import type { ServerHistory } from '../prompt-surfaces.js';
import { HISTORY_KEY, HISTORY_ORDER_KEY } from './keys.js';

/**
 * The history of a scaled-out server: kept in Redis (workers write it when a prompt ends) and
 * mirrored here so that `/history` reads stay synchronous. `load` fills the mirror from Redis
 * (at start, and again after Redis comes back); `apply` takes entries the workers announce.
 */
export class RedisHistory implements ServerHistory {
  readonly #mirror: PromptHistory;
  #applied = 0;

  constructor(
    private readonly redis: Redis,
    private readonly limit: number,
    private readonly log: (message: string) => void,
  ) {
    this.#mirror = new PromptHistory(limit);
  }

  async load(): Promise<void> {
    await this.#trim();
    const ids = await this.redis.zrange(HISTORY_ORDER_KEY, 0, -1);
    const values = ids.length ? await this.redis.hmget(HISTORY_KEY, ...ids) : [];
    this.#mirror.clear();
    ids.forEach((id, i) => {
      const json = values[i];
      if (!json) return;
      try {
        this.#mirror.record(id, JSON.parse(json) as HistoryEntry);
      } catch {
        this.log(`history entry ${id} in Redis is not valid JSON; skipped`);
      }
    });
  }

  /** An entry a worker already stored in Redis. */
  apply(id: string, entry: HistoryEntry): void {
    this.#mirror.record(id, entry);
    // Trimming Redis now and then is enough: the mirror already keeps only `limit` entries.
    this.#applied += 1;
    if (this.#applied % 100 === 0) this.#trim().catch((error: Error) => this.log(`could not trim the history in Redis: ${error.message}`));
  }

  /** An entry the server itself writes (a prompt that failed without reaching a worker). */
  record(id: string, entry: HistoryEntry): void {
    this.#mirror.record(id, entry);
    this.redis
      .multi()
      .hset(HISTORY_KEY, id, JSON.stringify(entry))
      .zadd(HISTORY_ORDER_KEY, String(Date.now()), id)
      .exec()
      .catch((error: Error) => this.log(`could not store history entry ${id} in Redis: ${error.message}`));
  }

  get(id: string): HistoryEntry | undefined {
    return this.#mirror.get(id);
  }

  list(maxItems?: number): Record<string, HistoryEntry> {
    return this.#mirror.list(maxItems);
  }

  delete(ids: readonly string[]): void {
    this.#mirror.delete(ids);
    if (!ids.length) return;
    this.redis
      .multi()
      .hdel(HISTORY_KEY, ...ids)
      .zrem(HISTORY_ORDER_KEY, ...ids)
      .exec()
      .catch((error: Error) => this.log(`could not delete history entries in Redis: ${error.message}`));
  }

  clear(): void {
    this.#mirror.clear();
    this.redis.del(HISTORY_KEY, HISTORY_ORDER_KEY).catch((error: Error) => this.log(`could not clear the history in Redis: ${error.message}`));
  }

  /** Drops the oldest entries beyond the limit from Redis. */
  async #trim(): Promise<void> {
    const extra = (await this.redis.zcard(HISTORY_ORDER_KEY)) - this.limit;
    if (extra <= 0) return;
    const old = await this.redis.zrange(HISTORY_ORDER_KEY, 0, extra - 1);
    if (old.length) await this.redis.multi().hdel(HISTORY_KEY, ...old).zrem(HISTORY_ORDER_KEY, ...old).exec();
  }
}
