import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import { isWorkflow, parseApiPrompt, parseWorkflow, toApiPrompt, validateGraph, type GraphProblem } from '../../../sdk/index.js';
import { HttpError } from '../http-error.js';
import { rejectionFor } from '../node-errors.js';
import { removedEntry, type QueuedPrompt } from '../prompt-runner.js';
import type { ServerContext } from '../server-context.js';

/**
 * ComfyUI's queue API: `POST /prompt` validates the whole graph and queues it (400 with
 * `node_errors` when it cannot run), `GET/POST /queue`, `GET/POST /history`, `POST /interrupt`.
 * `prompt` may be an API prompt (ComfyUI clients) or an editor workflow (exitgraph's editor).
 */
export function promptRoutes(context: ServerContext): Router {
  const router = Router();
  const { queue, history } = context;

  router.get('/prompt', (_req, res) => {
    res.json({ exec_info: { queue_remaining: queue.remaining } });
  });

  router.post('/prompt', (req, res) => {
    const body = objectBody(req);
    if (body.prompt === undefined) {
      res.status(400).json({ error: { type: 'no_prompt', message: 'No prompt provided', details: 'the request body needs a "prompt" (an API prompt or an editor workflow)', extra_info: {} }, node_errors: {} });
      return;
    }
    const extraData = isRecord(body.extra_data) ? body.extra_data : {};
    const workflow = (extraData.extra_pnginfo as { workflow?: unknown } | undefined)?.workflow;
    const parsed = isWorkflow(body.prompt) ? parseWorkflow(body.prompt) : parseApiPrompt(body.prompt, workflow);
    const problems: GraphProblem[] = [...parsed.problems];
    const result = problems.length ? undefined : validateGraph(parsed.graph, context.host.registry, { requireOutputs: true });
    problems.push(...(result?.problems ?? []));
    if (problems.length || !result?.graph) {
      res.status(400).json(rejectionFor(problems, parsed.graph, context.host.registry));
      return;
    }
    const clientId = typeof body.client_id === 'string' && body.client_id ? body.client_id : undefined;
    const requestedId = typeof body.prompt_id === 'string' && /^[\w-]{1,100}$/.test(body.prompt_id) ? body.prompt_id : undefined;
    const id = requestedId && !isKnown(context, requestedId) ? requestedId : randomUUID();
    const number = typeof body.number === 'number' && Number.isFinite(body.number) ? body.number : queue.nextNumber(body.front === true);
    const entry: QueuedPrompt = {
      id,
      number,
      prompt: isWorkflow(body.prompt) ? toApiPrompt(parsed.graph) : (body.prompt as Record<string, unknown>),
      extraData: { ...extraData, ...(clientId ? { client_id: clientId } : {}) },
      outputs: [...result.graph.outputNodes],
      ...(clientId ? { clientId } : {}),
      graph: result.graph,
    };
    queue.add(entry);
    res.json({ prompt_id: id, number, node_errors: {} });
  });

  router.get('/queue', (_req, res) => {
    const row = (e: QueuedPrompt) => [e.number, e.id, e.prompt, e.extraData, e.outputs];
    res.json({ queue_running: queue.running ? [row(queue.running)] : [], queue_pending: queue.pending.map(row) });
  });

  router.post('/queue', (req, res) => {
    const body = objectBody(req);
    const cleared = body.clear === true ? queue.clear() : [];
    const { removed, cancelled } = Array.isArray(body.delete) ? queue.remove(body.delete.filter((id): id is string => typeof id === 'string')) : { removed: [], cancelled: [] };
    for (const entry of cleared) history.record(entry.id, removedEntry(entry, 'the queue was cleared'));
    for (const entry of removed) history.record(entry.id, removedEntry(entry, 'deleted from the queue'));
    // ComfyUI answers with an empty body; the counts are exitgraph's own (a cancelled running
    // prompt counts as deleted; its run records it as interrupted).
    res.json({ cleared: cleared.length, deleted: removed.length + cancelled.length });
  });

  router.get('/history', (req, res) => {
    const max = Number(req.query.max_items);
    res.json(history.list(Number.isInteger(max) && max > 0 ? max : undefined));
  });

  router.get('/history/:promptId', (req, res) => {
    const entry = history.get(req.params.promptId);
    res.json(entry ? { [req.params.promptId]: entry } : {});
  });

  router.post('/history', (req, res) => {
    const body = objectBody(req);
    if (body.clear === true) history.clear();
    if (Array.isArray(body.delete)) history.delete(body.delete.filter((id): id is string => typeof id === 'string'));
    res.json({});
  });

  // Without prompt_id: the running prompt; with one (newer ComfyUI): only if that one is running.
  router.post('/interrupt', (req, res) => {
    const body = isRecord(req.body) ? req.body : {};
    const id = typeof body.prompt_id === 'string' ? body.prompt_id : undefined;
    res.json({ interrupted: queue.interrupt(id) });
  });

  return router;
}

function isKnown(context: ServerContext, id: string): boolean {
  return context.history.get(id) !== undefined || context.queue.running?.id === id || context.queue.pending.some((e) => e.id === id);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectBody(req: Request): Record<string, unknown> {
  if (!isRecord(req.body)) {
    throw new HttpError(400, `the body of ${req.method} ${req.path} must be a JSON object (read as JSON whatever its Content-Type)`, 'invalid_body');
  }
  return req.body;
}
