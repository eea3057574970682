import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';

/** A parsed `redis://[user:password@]host:port[/db]` address, and how to show it without secrets. */
export interface RedisAddress {
  readonly options: RedisOptions;
  /** The URL with any password replaced by `***`, for messages. */
  readonly shown: string;
}

export function parseRedisUrl(url: string): RedisAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--queue must be a redis:// URL (redis://host:port[/db]), got "${url}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`--queue must be a redis:// or rediss:// URL, got "${url}"`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw new Error(`the database in ${url} must be a number (redis://host:port/0), got "${db}"`);
  const shownUrl = new URL(url);
  if (shownUrl.password) shownUrl.password = '***';
  return {
    options: {
      host: parsed.hostname || '127.0.0.1',
      port: parsed.port ? Number(parsed.port) : 6379,
      ...(db ? { db: Number(db) } : {}),
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
    shown: shownUrl.toString(),
  };
}

/**
 * A connection for long-lived use: it keeps retrying while Redis is away (BullMQ needs
 * `maxRetriesPerRequest: null`) and reconnects on its own when it returns.
 */
export function connect(address: RedisAddress, name: string): Redis {
  return new Redis({
    ...address.options,
    connectionName: name,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
}

/** Redis could not be reached at start; the message names the URL. */
export class QueueUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnreachableError';
  }
}

/** Fails with a message naming the URL when Redis cannot be reached now (checked once, at start). */
export async function checkReachable(address: RedisAddress, timeoutMs = 3000): Promise<void> {
  const probe = new Redis({ ...address.options, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  // The socket's own error (ECONNREFUSED, ENOTFOUND) says more than the rejection ("Connection is closed").
  let cause: Error | undefined;
  probe.on('error', (error: Error) => (cause ??= error));
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new QueueUnreachableError(`cannot reach the prompt queue at ${address.shown}: ${(cause ?? (error as Error)).message || 'connection refused'} (is redis-server running there?)`);
  } finally {
    probe.disconnect();
  }
}

/** Connection options for BullMQ's own connections (it opens and reconnects them itself). */
export function bullConnection(address: RedisAddress): ConnectionOptions {
  const { host, port, db, username, password, tls } = address.options;
  return { host, port, db, username, password, tls, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(200 * times, 2000) };
}
