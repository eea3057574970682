import express, { type Express } from 'express';
import { accessCheck, type AccessRules } from './access.js';
import { errorHandler, notFound } from './http-error.js';
import { fileRoutes } from './routes/files.js';
import { graphRoutes } from './routes/graphs.js';
import { promptRoutes } from './routes/prompts.js';
import { nodeRoutes, systemRoutes } from './routes/system.js';
import { workflowRoutes } from './routes/workflows.js';
import type { ServerContext } from './server-context.js';

export interface AppOptions {
  /** Who may talk to the server: token, bound address, allowed host names. */
  readonly access: AccessRules;
  /** The editor's static files (index.html, build/). */
  readonly publicDir: string;
  /** Largest JSON body (graphs with painted label maps carry images as data URLs). */
  readonly maxJsonBytes?: number;
}

/**
 * The express app: access checks first, then ComfyUI's endpoints (also under `/api`, as newer
 * ComfyUI serves them), exitgraph's `/api/...`, the editor's files, and JSON errors.
 */
export function createApp(context: ServerContext, options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(accessCheck(options.access));
  app.use(express.json({ limit: options.maxJsonBytes ?? 32 * 1024 * 1024 }));

  const comfy = [systemRoutes(context), promptRoutes(context), fileRoutes(context)];
  for (const router of comfy) {
    app.use(router);
    app.use('/api', router);
  }
  app.use(nodeRoutes(context));
  app.use(workflowRoutes(context));
  app.use(graphRoutes(context));
  app.use('/api', notFound);
  app.use(express.static(options.publicDir, { index: 'index.html', dotfiles: 'ignore' }));
  app.use(notFound);
  app.use(errorHandler(context.log));
  return app;
}
