import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HistoryEntry } from '../prompt-history.js';
import { HISTORY_KEY, jobIdOf, NUMBER_KEY, QUEUE_NAME, QUEUE_PREFIX } from './keys.js';
import { bullConnection, checkReachable, connect, parseRedisUrl } from './redis-connection.js';
import type { PromptJobData } from './relay-events.js';
import { nodeTypesOf } from './worker-registry.js';

export interface QueuedJob {
  readonly id: string;
  readonly prompt: Record<string, unknown>;
  readonly outputs: string[];
  /** Where its ws messages go (a client id no socket uses keeps them private). */
  readonly clientId?: string;
}

/**
 * Queues prompts straight into the shared queue, without going through a server (what
 * `exitgraph batch --queue` does), and waits for their history entries. Queuing an id that is
 * already queued is a no-op (BullMQ keeps job ids unique), so re-running a batch never runs a
 * pending prompt twice.
 */
export class QueueClient {
  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<PromptJobData>,
    readonly shown: string,
  ) {}

  static async open(url: string): Promise<QueueClient> {
    const address = parseRedisUrl(url);
    await checkReachable(address);
    const redis = connect(address, 'exitgraph-queue-client');
    redis.on('error', () => {});
    return new QueueClient(redis, new Queue<PromptJobData>(QUEUE_NAME, { connection: bullConnection(address), prefix: QUEUE_PREFIX }), address.shown);
  }

  async add(job: QueuedJob): Promise<void> {
    const number = await this.redis.incr(NUMBER_KEY);
    const data: PromptJobData = { id: job.id, number, prompt: job.prompt, extraData: job.clientId ? { client_id: job.clientId } : {}, outputs: job.outputs, ...(job.clientId ? { clientId: job.clientId } : {}), nodeTypes: nodeTypesOf(job.prompt) };
    await this.queue.add('prompt', data, { jobId: jobIdOf(job.id), removeOnComplete: true, removeOnFail: true });
  }

  /** History entries of the given prompts, for those that have ended. */
  async finished(ids: readonly string[]): Promise<Map<string, HistoryEntry>> {
    const found = new Map<string, HistoryEntry>();
    if (!ids.length) return found;
    const values = await this.redis.hmget(HISTORY_KEY, ...ids);
    ids.forEach((id, i) => {
      const json = values[i];
      if (json) found.set(id, JSON.parse(json) as HistoryEntry);
    });
    return found;
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.redis.disconnect();
  }
}
