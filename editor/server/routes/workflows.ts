import { randomUUID } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from 'express';
import { isWorkflow } from '../../../sdk/index.js';
import { HttpError } from '../http-error.js';
import type { ServerContext } from '../server-context.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_ .()-]{0,99}$/;

/**
 * Saved editor workflows, one JSON file each under `<workspace>/workflows/`:
 * `GET /api/workflows`, `POST /api/workflows` `{ name, workflow }` (409 if taken),
 * `GET|PUT|DELETE /api/workflows/:name`.
 */
export function workflowRoutes(context: ServerContext): Router {
  const router = Router();
  const folder = context.workspace.workflows;
  const fileOf = (name: unknown): string => join(folder, `${checkedWorkflowName(name)}.json`);

  router.get('/api/workflows', async (_req, res) => {
    const names = (await readdir(folder)).filter((n) => n.endsWith('.json')).sort();
    const workflows = await Promise.all(
      names.map(async (file) => {
        const info = await stat(join(folder, file));
        return { name: file.slice(0, -5), size: info.size, modified: info.mtime.toISOString() };
      }),
    );
    res.json({ workflows });
  });

  router.get('/api/workflows/:name', async (req, res) => {
    const file = fileOf(req.params.name);
    // Through a link only when it stays inside the workspace.
    const real = await context.workspace.realFileInside(file).catch((error: unknown) => {
      throw error instanceof HttpError && error.status === 404 ? new HttpError(404, `no saved workflow named "${req.params.name}"`, 'not_found') : error;
    });
    const text = await readFile(real, 'utf8');
    res.type('application/json').send(text);
  });

  router.post('/api/workflows', async (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; workflow?: unknown; overwrite?: unknown };
    const file = fileOf(body.name);
    await save(file, body.workflow, body.overwrite === true);
    res.status(201).json({ name: checkedWorkflowName(body.name) });
  });

  router.put('/api/workflows/:name', async (req, res) => {
    await save(fileOf(req.params.name), req.body, true);
    res.json({ name: checkedWorkflowName(req.params.name) });
  });

  router.delete('/api/workflows/:name', async (req, res) => {
    const file = fileOf(req.params.name);
    await stat(file).catch(() => {
      throw new HttpError(404, `no saved workflow named "${req.params.name}"`, 'not_found');
    });
    await rm(file);
    res.status(204).end();
  });

  return router;
}

function checkedWorkflowName(value: unknown): string {
  const name = typeof value === 'string' ? value.replace(/\.json$/i, '') : value;
  if (typeof name !== 'string' || !NAME.test(name) || name.includes('..')) {
    throw new HttpError(400, 'a workflow name is 1-100 letters, digits, spaces or _ . ( ) -, not starting with a dot', 'invalid_name');
  }
  return name;
}

async function save(file: string, workflow: unknown, overwrite: boolean): Promise<void> {
  if (!isWorkflow(workflow)) throw new HttpError(400, 'the body must be an editor workflow (an object with "nodes" and "links" arrays)', 'invalid_workflow');
  try {
    if (overwrite) {
      // Beside the target, then renamed over it: a link at the name is replaced, not written through.
      const temp = `${file}.${randomUUID()}.partial`;
      await writeFile(temp, JSON.stringify(workflow, null, 1), { flag: 'wx' });
      await rename(temp, file).catch(async (error: unknown) => {
        await rm(temp, { force: true });
        throw error;
      });
    } else {
      await writeFile(file, JSON.stringify(workflow, null, 1), { flag: 'wx' });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new HttpError(409, 'a workflow with this name exists', 'name_taken');
    throw error;
  }
}
