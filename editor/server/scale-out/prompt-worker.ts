import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, Worker, type Job } from 'bullmq';
import { localWorkspace, parseApiPrompt, validateGraph, type Host } from '../../../sdk/index.js';
import { runSessionsOffThread } from '../../../sdk/early-exit/index.js';
import { promptRunner, type QueuedPrompt } from '../prompt-runner.js';
import { ServerWorkspace } from '../workspace-paths.js';
import { AttemptRelay, failedBeforeRun } from './attempt-relay.js';
import { CANCEL_CHANNEL, CANCELLED_PREFIX, QUEUE_NAME, QUEUE_PREFIX, WORKERS_KEY } from './keys.js';
import { bullConnection, checkReachable, connect, parseRedisUrl } from './redis-connection.js';
import type { PromptJobData, RelayEvent, WorkerInfo } from './relay-events.js';
import { commitRun, isFinished } from './run-commit.js';
import { capabilitiesOf, HEARTBEAT_MS, liveWorkers, missingTypes, noCapableWorker } from './worker-registry.js';

export interface PromptWorkerOptions {
  /** `redis://host:port[/db]` */
  readonly url: string;
  /** The worker's own host (its packs and plugins) and output cache. */
  readonly host: Host;
  /** The workspace root every process mounts (input/, output/, temp/). */
  readonly workspace: string;
  readonly device: string;
  /** Prompts run at once. Default 1. */
  readonly concurrency?: number;
  /** Plugins the host was built with, declared to the server. */
  readonly plugins?: readonly string[];
  /**
   * How long a prompt's lock lasts without renewal; a worker that dies is noticed after about
   * this long and its prompt goes to another worker. Default 30 s (BullMQ's).
   */
  readonly lockMs?: number;
  readonly id?: string;
  readonly log?: (message: string) => void;
}

export interface RunningWorker {
  readonly id: string;
  /** Finishes the prompts it runs, then disconnects. */
  close(): Promise<void>;
}

/** How long a prompt is set aside when this worker lacks its nodes but another live one has them. */
const HAND_OVER_MS = 250;

/**
 * Takes prompts from the shared queue and runs them with the server's prompt runner, its events
 * and history going to Redis instead of local sockets. Rejects when Redis cannot be reached.
 */
export async function startPromptWorker(options: PromptWorkerOptions): Promise<RunningWorker> {
  const address = parseRedisUrl(options.url);
  await checkReachable(address);
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const workspace = new ServerWorkspace(options.workspace);
  await workspace.create();
  const attemptsRoot = join(workspace.temp, '.attempts');
  const redis = connect(address, `exitgraph-worker-${id}`);
  const subscriber = connect(address, `exitgraph-worker-${id}-cancel`);
  for (const client of [redis, subscriber]) client.on('error', () => {});
  const running = new Map<string, AbortController>();
  const cancelled = (promptId: string) => running.get(promptId)?.abort(new Error('interrupted'));
  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel: string, promptId: string) => cancelled(promptId));

  const caps = capabilitiesOf(options.host);
  const concurrency = options.concurrency ?? 1;
  const info = (): WorkerInfo => ({ id, hostname: hostname(), pid: process.pid, device: options.device, concurrency, nodeTypes: caps.nodeTypes, packs: caps.packs, plugins: [...(options.plugins ?? [])], seen: Date.now() });
  const beat = () => redis.hset(WORKERS_KEY, id, JSON.stringify(info())).catch(() => {});
  await beat();
  const heartbeat = setInterval(beat, HEARTBEAT_MS);

  /** Ends a prompt that cannot run here or anywhere, with a clear error in its history. */
  const refuse = async (data: PromptJobData, message: string, node?: { id: string; classType: string }) => {
    const { entry, messages } = failedBeforeRun(data, message, node);
    const events: RelayEvent[] = [{ kind: 'history', id: data.id, entry }, ...messages.map((m): RelayEvent => ({ kind: 'message', ...(data.clientId ? { clientId: data.clientId } : {}), message: m }))];
    await commitRun(redis, data.id, JSON.stringify(entry), events.map((e) => JSON.stringify(e)));
  };

  const processPrompt = async (job: Job<PromptJobData>, token?: string): Promise<string> => {
    const data = job.data;
    // At-least-once delivery: a prompt another attempt already ended is not run again.
    if (await isFinished(redis, data.id)) return 'already finished';
    const missing = missingTypes(info(), data.nodeTypes);
    if (missing.length) {
      const others = (await liveWorkers(redis)).filter((w) => w.id !== id);
      const why = noCapableWorker(others, data.nodeTypes);
      if (!why && token) {
        // Another live worker has these nodes: put the prompt back for it.
        await job.moveToDelayed(Date.now() + HAND_OVER_MS, token);
        throw new DelayedError();
      }
      await refuse(data, `no live worker can run this prompt: node type${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing on ${id}${others.length ? ` and on every other live worker (${others.map((w) => w.id).join(', ')})` : ' (the only live worker)'}`);
      return 'refused';
    }
    const workflow = (data.extraData.extra_pnginfo as { workflow?: unknown } | undefined)?.workflow;
    const parsed = parseApiPrompt(data.prompt, workflow);
    const validated = parsed.problems.length ? undefined : validateGraph(parsed.graph, options.host.registry, { requireOutputs: true });
    const problems = [...parsed.problems, ...(validated?.problems ?? [])];
    if (problems.length || !validated?.graph) {
      const first = problems[0];
      await refuse(data, `the prompt does not validate on worker ${id}: ${problems.map((p) => (p.nodeId ? `node ${p.nodeId}: ${p.message}` : p.message)).join('; ')}`, first?.nodeId ? { id: first.nodeId, classType: first.classType ?? '' } : undefined);
      return 'refused';
    }
    // Files of earlier, killed attempts of this prompt are never published: drop them.
    const promptAttempts = join(attemptsRoot, data.id);
    await rm(promptAttempts, { recursive: true, force: true });
    const attemptDir = join(promptAttempts, randomUUID());
    await mkdir(attemptDir, { recursive: true });
    const stop = new AbortController();
    running.set(data.id, stop);
    log(`prompt ${data.id}: started${job.stalledCounter ? ` again (its worker stopped answering ${job.stalledCounter} time${job.stalledCounter > 1 ? 's' : ''})` : ''}`);
    try {
      if (await redis.get(`${CANCELLED_PREFIX}${data.id}`)) stop.abort(new Error('interrupted'));
      const relay = new AttemptRelay(redis, log);
      const entry: QueuedPrompt = { id: data.id, number: data.number, prompt: data.prompt, extraData: data.extraData, outputs: data.outputs, ...(data.clientId ? { clientId: data.clientId } : {}), graph: validated.graph };
      const run = promptRunner({ host: options.host, hub: relay, history: relay, workspace: localWorkspace(workspace.input, attemptDir, { confined: workspace.root }), device: options.device, log });
      await run(entry, stop.signal);
      return (await relay.commit(attemptDir, workspace.output)) ? 'done' : 'already finished';
    } finally {
      running.delete(data.id);
      await rm(promptAttempts, { recursive: true, force: true }).catch(() => {});
    }
  };

  // Lock renewals, heartbeats and cancel messages run on this thread: models run on another.
  runSessionsOffThread(options.host.services);
  const worker = new Worker<PromptJobData, string>(QUEUE_NAME, processPrompt, {
    connection: bullConnection(address),
    prefix: QUEUE_PREFIX,
    concurrency,
    lockDuration: options.lockMs ?? 30_000,
    stalledInterval: options.lockMs ?? 30_000,
    // A prompt whose worker died twice is given up (the server records it as failed).
    maxStalledCount: 2,
  });
  worker.on('error', (error) => log(`worker: ${error.message}`));
  worker.on('failed', (job, error) => log(`prompt ${job?.data.id ?? '?'} failed: ${error.message}`));
  await worker.waitUntilReady();
  return {
    id,
    close: async () => {
      clearInterval(heartbeat);
      await worker.close();
      await redis.hdel(WORKERS_KEY, id).catch(() => {});
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
