import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router, type Request } from 'express';
import { ONNX_SESSIONS, PACK_RUNNERS, packSearchPaths } from '../../../sdk/early-exit/index.js';
import { HttpError } from '../http-error.js';
import type { ServerContext } from '../server-context.js';

/** The one model folder exitgraph has: early-exit model packs, by name. */
const PACKS = 'packs';

/**
 * The rest of ComfyUI's endpoints that clients and ComfyUI's frontend call: `/free`,
 * `/features`, `/models`, `/experiment/models`, `/settings`, `/userdata`, `/users`,
 * `/view_metadata`, `/internal/logs`. Each answers in ComfyUI's shape; where nothing applies
 * here (user files, multi-user), the answer is the empty-but-valid one.
 */
export function comfyExtraRoutes(context: ServerContext): Router {
  const router = Router();

  // ComfyUI: unload_models unloads models; free_memory also empties the execution cache. Both
  // wait for the running prompt to end, as ComfyUI applies them between prompts.
  router.post('/free', async (req, res) => {
    const body = optionalBody(req);
    const freeMemory = body.free_memory === true;
    const unload = freeMemory || body.unload_models === true;
    await context.queue.between(async () => {
      if (freeMemory) context.host.cache.clear();
      if (unload) await unloadModels(context);
    });
    res.json({});
  });

  router.get('/features', (_req, res) => {
    res.json({ supports_preview_metadata: true, max_upload_size: context.maxUploadBytes });
  });

  router.get('/models', (_req, res) => void res.json([PACKS]));
  router.get('/models/:folder', async (req, res) => {
    if (req.params.folder !== PACKS) throw new HttpError(404, `no model folder "${req.params.folder}" (folders: ${PACKS})`, 'not_found');
    res.json((await packs()).map((p) => p.name));
  });
  router.get('/experiment/models', (_req, res) => void res.json([{ name: PACKS, folders: packSearchPaths() }]));
  router.get('/experiment/models/:folder', async (req, res) => {
    if (req.params.folder !== PACKS) throw new HttpError(404, `no model folder "${req.params.folder}" (folders: ${PACKS})`, 'not_found');
    res.json((await packs()).map((p) => ({ name: p.name, pathIndex: p.pathIndex })));
  });
  // ComfyUI reads safetensors headers; a pack's metadata is its manifest.
  router.get('/view_metadata/:folder', async (req, res) => {
    const name = req.query.filename;
    if (req.params.folder !== PACKS) throw new HttpError(404, `no model folder "${req.params.folder}" (folders: ${PACKS})`, 'not_found');
    const pack = (await packs()).find((p) => p.name === name);
    if (!pack) throw new HttpError(404, `no pack named ${JSON.stringify(name ?? '')} in ${PACKS}`, 'not_found');
    res.json(JSON.parse(await readFile(join(pack.dir, 'manifest.json'), 'utf8')));
  });

  router.get('/settings', (_req, res) => void res.json(Object.fromEntries(context.settings)));
  router.get('/settings/:id', (req, res) => void res.json(context.settings.get(req.params.id) ?? null));
  router.post('/settings', (req, res) => {
    for (const [key, value] of Object.entries(optionalBody(req))) context.settings.set(key, value);
    res.json({});
  });
  router.post('/settings/:id', (req, res) => {
    context.settings.set(req.params.id, req.body);
    res.json({});
  });

  // One user, no user files: ComfyUI's single-user answers.
  router.get('/users', (_req, res) => void res.json({ storage: 'server', migrated: true }));
  router.get('/userdata', (_req, res) => void res.json([]));
  router.get('/v2/userdata', (_req, res) => void res.json([]));
  router.get('/userdata/*file', (_req, res) => void res.status(404).json({ error: { type: 'not_found', message: 'exitgraph keeps no user data files' } }));

  router.get('/internal/logs', (_req, res) => void res.json(context.logs.text));
  router.get('/internal/logs/raw', (_req, res) => void res.json({ entries: context.logs.entries, size: { cols: 80, rows: 24 } }));
  router.get('/internal/folder_paths', (_req, res) => void res.json({ [PACKS]: packSearchPaths() }));

  return router;
}

async function unloadModels(context: ServerContext): Promise<void> {
  const services = context.host.services;
  // Runners hold sessions: forget them first, then release the sessions' native memory.
  if (services.has(PACK_RUNNERS)) services.get(PACK_RUNNERS).clear();
  if (services.has(ONNX_SESSIONS)) await services.get(ONNX_SESSIONS).clear();
}

/** Packs found in the pack search paths, first folder winning a name, as `/models/packs` lists them. */
async function packs(): Promise<{ name: string; dir: string; pathIndex: number }[]> {
  const found = new Map<string, { name: string; dir: string; pathIndex: number }>();
  for (const [pathIndex, folder] of packSearchPaths().entries()) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const dir = join(folder, name);
      if (!found.has(name) && existsSync(join(dir, 'manifest.json'))) found.set(name, { name, dir, pathIndex });
    }
  }
  return [...found.values()];
}

/** A JSON object body, or `{}` when there is none (ComfyUI clients post `/free` bare). */
function optionalBody(req: Request): Record<string, unknown> {
  if (req.body === undefined) return {};
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw new HttpError(400, `the body of ${req.method} ${req.path} must be a JSON object`, 'invalid_body');
  }
  return req.body as Record<string, unknown>;
}
