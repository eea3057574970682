import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router } from 'express';
import { isWorkflow, parseGraph, toWorkflow, validateGraph, type NodeRegistry, type Workflow } from '../../../sdk/index.js';
import { importExampleFiles } from '../example-files.js';
import { HttpError } from '../http-error.js';
import { rejectionFor } from '../node-errors.js';
import type { ServerContext } from '../server-context.js';

/**
 * Graphs for the editor: the example graphs (`GET /api/examples`, `GET /api/examples/:name`,
 * always answered as editor workflows), `POST /api/graph/workflow` (any graph format -> workflow,
 * e.g. the `prompt` embedded in a dropped PNG) and `POST /api/graph/validate`.
 */
export function graphRoutes(context: ServerContext): Router {
  const router = Router();
  const registry = context.host.registry;

  router.get('/api/examples', async (_req, res) => {
    const files = await readdir(context.examplesDir).catch(() => [] as string[]);
    const examples = await Promise.all(
      files
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map(async (file) => {
          const name = file.slice(0, -5);
          const json = await readJson(join(context.examplesDir, file)).catch(() => undefined);
          const meta = (json as { extra?: { title?: unknown; description?: unknown }; _meta?: { title?: unknown; description?: unknown } } | undefined) ?? {};
          const title = meta.extra?.title ?? meta._meta?.title;
          const description = meta.extra?.description ?? meta._meta?.description;
          return { name, title: typeof title === 'string' ? title : name, ...(typeof description === 'string' ? { description } : {}), readable: json !== undefined };
        }),
    );
    res.json({ examples });
  });

  router.get('/api/examples/:name', async (req, res) => {
    const name = req.params.name;
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) throw new HttpError(400, 'bad example name', 'invalid_name');
    const json = await readJson(join(context.examplesDir, `${name}.json`)).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new HttpError(404, `no example named "${name}"`, 'not_found') : new HttpError(500, `example ${name} is broken: ${error.message}`, 'broken_example');
    });
    res.json(await importExampleFiles(asWorkflow(json, registry), context.examplesDir, context.workspace.input));
  });

  router.post('/api/graph/workflow', (req, res) => {
    res.json(asWorkflow(req.body, registry));
  });

  router.post('/api/graph/validate', (req, res) => {
    const parsed = parseGraph(req.body);
    const problems = parsed.problems.length ? parsed.problems : validateGraph(parsed.graph, registry, { requireOutputs: true }).problems;
    res.json({ valid: problems.length === 0, problems, ...(problems.length ? rejectionFor(problems, parsed.graph, registry) : {}) });
  });

  return router;
}

/** Any graph (workflow, API prompt, ComfyUI envelope) as an editor workflow. */
function asWorkflow(json: unknown, registry: NodeRegistry): Workflow {
  const parsed = parseGraph(json);
  if (isWorkflow(json)) return json;
  const structural = parsed.problems.filter((p) => p.kind === 'invalid_format');
  if (structural.length || parsed.graph.nodes.size === 0) {
    throw new HttpError(400, `not a graph: ${structural.map((p) => p.message).join('; ') || 'no nodes'}`, 'invalid_graph');
  }
  // A workflow the prompt came with (ComfyUI envelope) is the better layout.
  if (isWorkflow(parsed.graph.workflow)) return parsed.graph.workflow;
  return toWorkflow(parsed.graph, registry);
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}
