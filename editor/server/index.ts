/** exitgraph's HTTP + websocket server (ComfyUI-compatible API) and the editor it serves. */
export { startServer, DEFAULT_WORKSPACE } from './server.js';
export type { RunningServer, ServerOptions } from './server.js';
export { isLoopback, checkBinding } from './access.js';
export type { ServerContext } from './server-context.js';
