import express, { type Express } from 'express';
import { accessCheck, type AccessRules } from './access.js';
import { errorHandler, notFound } from './http-error.js';
import { comfyExtraRoutes } from './routes/comfy-extras.js';
import { fileRoutes } from './routes/files.js';
import { graphRoutes } from './routes/graphs.js';
import { maskUploadRoutes } from './routes/mask-upload.js';
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
  // ComfyUI reads every API body as JSON whatever its Content-Type: clients send text/plain, and
  // Python's urllib sends application/x-www-form-urlencoded by default. Multipart is left to uploads.
  // Any JSON value is accepted (ComfyUI's frontend posts a setting's value bare, e.g. "dark");
  // each route checks the shape it needs.
  app.use(express.json({ limit: options.maxJsonBytes ?? 32 * 1024 * 1024, strict: false, type: (req) => !isMultipart(req.headers['content-type']) }));

  const comfy = [systemRoutes(context), promptRoutes(context), fileRoutes(context), maskUploadRoutes(context), comfyExtraRoutes(context)];
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

function isMultipart(contentType: string | undefined): boolean {
  return /^\s*multipart\//i.test(contentType ?? '');
}
