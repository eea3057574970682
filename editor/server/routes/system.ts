import { freemem, totalmem, platform, release } from 'node:os';
import { Router } from 'express';
import { HttpError } from '../http-error.js';
import { nodeCatalog, objectInfo } from '../object-info.js';
import type { ServerContext } from '../server-context.js';

/** Health and capabilities: `/system_stats`, `/object_info`, and exitgraph's `/api/nodes`. */
export function systemRoutes(context: ServerContext): Router {
  const router = Router();
  router.get('/system_stats', (_req, res) => {
    res.json({
      system: {
        // As Python's os.name, which ComfyUI reports; the platform itself is exitgraph's own field.
        os: platform() === 'win32' ? 'nt' : 'posix',
        platform: `${platform()} ${release()}`,
        ram_total: totalmem(),
        ram_free: freemem(),
        comfyui_version: `exitgraph ${context.version}`,
        exitgraph_version: context.version,
        python_version: '',
        pytorch_version: '',
        node_version: process.version,
        embedded_python: false,
        argv: process.argv.slice(2),
      },
      devices: [{ name: context.device, type: context.device, index: 0, vram_total: 0, vram_free: 0, torch_vram_total: 0, torch_vram_free: 0 }],
      // Scaled out: whether the shared queue is reachable and which workers are live.
      ...(context.queueHealth ? { queue: context.queueHealth() } : {}),
    });
  });
  router.get('/object_info', (_req, res) => {
    res.json(objectInfo(context.host.registry));
  });
  // Ids contain a slash (`exitgraph/LoadImage`): some clients encode it, others send it as is.
  router.get('/object_info/*nodeClass', (req, res) => {
    const segments = (req.params as { nodeClass: string | string[] }).nodeClass;
    const nodeClass = Array.isArray(segments) ? segments.join('/') : segments;
    const entry = objectInfo(context.host.registry)[nodeClass];
    res.json(entry ? { [nodeClass]: entry } : {});
  });
  // ComfyUI's frontend and some clients ask for these; exitgraph has none of either.
  router.get('/embeddings', (_req, res) => void res.json([]));
  router.get('/extensions', (_req, res) => void res.json([]));
  return router;
}

/** exitgraph's own catalog for the editor: definitions with params schemas, and port types. */
export function nodeRoutes(context: ServerContext): Router {
  const router = Router();
  router.get('/api/nodes', (_req, res) => {
    res.json({ ...nodeCatalog(context.host.registry), plugins: { failed: context.host.plugins.failed } });
  });
  router.get('/api/nodes/:id', (req, res) => {
    const found = context.host.registry.resolve(req.params.id);
    if (!found) throw new HttpError(404, `unknown node type ${req.params.id}`, 'not_found');
    res.json(nodeCatalog(context.host.registry).nodes.find((n) => (n as { id: string }).id === found.definition.id));
  });
  return router;
}
