import type { Redis } from 'ioredis';
import type { Host } from '../../../sdk/index.js';
import { WORKERS_KEY } from './keys.js';
import type { WorkerInfo } from './relay-events.js';

/** A worker whose last heartbeat is older than this is taken for dead. */
export const WORKER_TTL_MS = 6000;
export const HEARTBEAT_MS = 2000;

/** What a host can run: node types (`id` and `id@version`) and the packs they come from. */
export function capabilitiesOf(host: Host): { nodeTypes: string[]; packs: string[] } {
  const nodeTypes = new Set<string>();
  const packs = new Set<string>();
  for (const node of host.registry.list()) {
    nodeTypes.add(node.definition.id);
    nodeTypes.add(`${node.definition.id}@${node.definition.version}`);
    packs.add(node.origin);
  }
  return { nodeTypes: [...nodeTypes].sort(), packs: [...packs].sort() };
}

/** The node types of an API prompt (its `class_type`s), sorted and distinct. */
export function nodeTypesOf(prompt: Record<string, unknown>): string[] {
  const types = new Set<string>();
  for (const node of Object.values(prompt)) {
    const type = (node as { class_type?: unknown } | null)?.class_type;
    if (typeof type === 'string') types.add(type);
  }
  return [...types].sort();
}

export function missingTypes(worker: Pick<WorkerInfo, 'nodeTypes'>, needed: readonly string[]): string[] {
  const has = new Set(worker.nodeTypes);
  return needed.filter((type) => !has.has(type));
}

/** Live workers, from their heartbeats (stale entries are dropped as they are seen). */
export async function liveWorkers(redis: Redis, now = Date.now()): Promise<WorkerInfo[]> {
  const all = await redis.hgetall(WORKERS_KEY);
  const live: WorkerInfo[] = [];
  for (const [id, json] of Object.entries(all)) {
    try {
      const info = JSON.parse(json) as WorkerInfo;
      if (now - info.seen <= WORKER_TTL_MS) live.push(info);
      else if (now - info.seen > 10 * WORKER_TTL_MS) await redis.hdel(WORKERS_KEY, id);
    } catch {
      await redis.hdel(WORKERS_KEY, id);
    }
  }
  return live.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Why no live worker can run a prompt needing `needed`, or undefined when one can. The message
 * names the missing node types and, where the asking host knows them, the packs they come from.
 */
export function noCapableWorker(workers: readonly WorkerInfo[], needed: readonly string[], host?: Host): string | undefined {
  if (workers.some((worker) => missingTypes(worker, needed).length === 0)) return undefined;
  const missingEverywhere = needed.filter((type) => workers.every((worker) => missingTypes(worker, [type]).length > 0));
  const shown = (missingEverywhere.length ? missingEverywhere : needed).map((type) => {
    const pack = host?.registry.resolve(type)?.origin;
    return pack ? `${type} (pack ${pack})` : type;
  });
  const plural = shown.length > 1 ? 's' : '';
  return `no live worker can run this prompt: node type${plural} ${shown.join(', ')} ${missingEverywhere.length ? `${plural ? 'are' : 'is'} on no live worker` : 'are not all on one worker'} (${workers.length} live: ${workers.map((w) => w.id).join(', ')}); start a worker with the pack (exitgraph worker --plugin <pack>)`;
}
