/** Scale-out: a persistent prompt queue in Redis (BullMQ), workers, and the relay between them. */
export { redisQueueBackend } from './redis-backend.js';
export type { RedisBackendOptions } from './redis-backend.js';
export { startPromptWorker } from './prompt-worker.js';
export type { PromptWorkerOptions, RunningWorker } from './prompt-worker.js';
export { checkReachable, parseRedisUrl, QueueUnreachableError } from './redis-connection.js';
export { QueueClient } from './queue-client.js';
export type { QueuedJob } from './queue-client.js';
