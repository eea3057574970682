import { Job, Queue, QueueEvents } from 'bullmq';
import type { QueueBackend, OpenedQueueBackend, QueueBackendDeps } from '../queue-backend.js';
import { failedBeforeRun } from './attempt-relay.js';
import { EVENTS_CHANNEL, promptIdOf, QUEUE_NAME, QUEUE_PREFIX } from './keys.js';
import { bullConnection, checkReachable, connect, parseRedisUrl } from './redis-connection.js';
import { RedisHistory } from './redis-history.js';
import { RedisPromptQueue } from './redis-queue.js';
import { parseRelayEvent, type PromptJobData, type WorkerInfo } from './relay-events.js';
import { HEARTBEAT_MS, liveWorkers } from './worker-registry.js';

export interface RedisBackendOptions {
  /** Finished prompts kept for `/history`. Default 1000. */
  readonly historyLimit?: number;
}

/**
 * `exitgraph serve --queue redis://...`: prompts go into a BullMQ queue that workers take them
 * from; history lives in Redis; run events come back over pub/sub and go out through the
 * server's websocket as if the prompts ran in-process. Opening fails with the URL named when
 * Redis cannot be reached; later outages are shown on `/system_stats` and healed on reconnect.
 */
export function redisQueueBackend(url: string, options: RedisBackendOptions = {}): QueueBackend {
  return { open: (deps) => openRedisBackend(url, options, deps) };
}

async function openRedisBackend(url: string, options: RedisBackendOptions, deps: QueueBackendDeps): Promise<OpenedQueueBackend> {
  const address = parseRedisUrl(url);
  await checkReachable(address);
  const { log } = deps;
  const redis = connect(address, 'exitgraph-server');
  const subscriber = connect(address, 'exitgraph-server-events');
  const bullQueue = new Queue<PromptJobData>(QUEUE_NAME, { connection: bullConnection(address), prefix: QUEUE_PREFIX });
  const events = new QueueEvents(QUEUE_NAME, { connection: bullConnection(address), prefix: QUEUE_PREFIX });
  const history = new RedisHistory(redis, options.historyLimit ?? 1000, log);

  let connected = true;
  let changedAt = new Date();
  let lastError: string | undefined;
  let workers: WorkerInfo[] = [];
  let poll: NodeJS.Timeout | undefined;
  const queue = new RedisPromptQueue({ queue: bullQueue, redis, host: deps.host, shown: address.shown, isConnected: () => connected, workers: () => workers, onChange: deps.onChange, log, release: async () => {
    clearInterval(poll);
    await events.close().catch(() => {});
    await bullQueue.close().catch(() => {});
    subscriber.disconnect();
    redis.disconnect();
  } });

  const highestNumber = () => Math.max(0, ...Object.values(history.list()).map((e) => Math.abs(e.prompt[0])));
  const resync = async () => {
    await history.load();
    await queue.load(highestNumber());
    workers = await liveWorkers(redis);
  };

  for (const client of [redis, subscriber]) client.on('error', (error: Error) => (lastError = error.message));
  bullQueue.on('error', (error: Error) => (lastError = error.message));
  events.on('error', (error: Error) => (lastError = error.message));
  redis.on('close', () => {
    if (!connected) return;
    connected = false;
    changedAt = new Date();
    log(`lost the prompt queue at ${address.shown}; retrying`);
  });
  redis.on('ready', () => {
    if (connected) return;
    connected = true;
    changedAt = new Date();
    log(`the prompt queue at ${address.shown} is back`);
    // Events may have been missed while away: read the queue and history again.
    resync().catch((error: Error) => log(`could not reload the queue from Redis: ${error.message}`));
  });

  subscriber.on('message', (_channel: string, text: string) => {
    const event = parseRelayEvent(text);
    if (!event) return;
    if (event.kind === 'message') deps.hub.send(event.clientId, event.message);
    else if (event.kind === 'preview') deps.hub.sendPreview(event.clientId, Buffer.from(event.png, 'base64'), event.meta);
    else if (event.kind === 'history') {
      history.apply(event.id, event.entry);
      queue.forget(event.id);
    }
  });
  await subscriber.subscribe(EVENTS_CHANNEL);

  const jobData = async (jobId: string) => (await Job.fromId<PromptJobData>(bullQueue, jobId))?.data;
  events.on('waiting', ({ jobId }) => {
    // Prompts this server queued are in the mirror already; others came from `exitgraph batch --queue`.
    const id = promptIdOf(jobId);
    if (queue.pending.some((e) => e.id === id) || queue.runningAll.some((e) => e.id === id)) return;
    jobData(jobId).then((data) => data && queue.queued(data), () => {});
  });
  events.on('active', ({ jobId }) => {
    const id = promptIdOf(jobId);
    if (queue.pending.some((e) => e.id === id)) return queue.started(id);
    // The job's data comes back later, and the prompt may have ended meanwhile: its history
    // arrives on the relay channel, which does not wait for this stream, and 'completed' may be
    // handled before the lookup returns. An ended prompt is not listed as running again.
    const start = (data?: PromptJobData): void => {
      if (!history.get(id)) queue.started(id, data);
    };
    jobData(jobId).then(start, () => start());
  });
  events.on('completed', ({ jobId }) => void queue.forget(promptIdOf(jobId)));
  events.on('removed', ({ jobId }) => void queue.forget(promptIdOf(jobId)));
  events.on('failed', ({ jobId, failedReason }) => {
    // A prompt that failed outside the engine (its workers died, Redis broke): end it for the client.
    const id = promptIdOf(jobId);
    const entry = queue.forget(id);
    if (!entry || history.get(id)) return;
    const { entry: record, messages } = failedBeforeRun(entry, `the prompt failed on the workers: ${failedReason}`);
    history.record(id, record);
    for (const message of messages) deps.hub.send(entry.clientId, message);
  });
  await events.waitUntilReady();
  await resync();

  poll = setInterval(() => {
    if (connected) liveWorkers(redis).then((live) => (workers = live), () => {});
  }, HEARTBEAT_MS);

  return {
    queue,
    history,
    health: () => ({
      backend: 'redis',
      url: address.shown,
      connected,
      since: changedAt.toISOString(),
      ...(!connected && lastError ? { error: lastError } : {}),
      running: queue.runningAll.map((e) => e.id),
      workers: workers.map(({ nodeTypes: _types, ...worker }) => worker),
    }),
  };
}
