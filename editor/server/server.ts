import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { packageRoot, type Host } from '../../sdk/index.js';
import { runSessionsOffThread } from '../../sdk/early-exit/index.js';
import { checkBinding, refusalOf, type AccessRules } from './access.js';
import { createApp } from './app.js';
import { LogRing } from './log-ring.js';
import { PromptHistory } from './prompt-history.js';
import { PromptQueue } from './prompt-queue.js';
import { promptRunner, type QueuedPrompt } from './prompt-runner.js';
import type { ServerHistory, ServerQueue } from './prompt-surfaces.js';
import type { QueueBackend } from './queue-backend.js';
import type { ServerContext } from './server-context.js';
import { WsHub } from './ws-hub.js';
import { ServerWorkspace } from './workspace-paths.js';

export interface ServerOptions {
  /** The one host every prompt runs through (registry and output cache shared across prompts). */
  readonly host: Host;
  /** Default 127.0.0.1. Anything but loopback needs `token`. */
  readonly hostname?: string;
  /** Default 8188 (ComfyUI's); 0 picks a free port. */
  readonly port?: number;
  /** Workspace root (input/, output/, temp/, workflows/). Default `./.exitgraph/workspace`. */
  readonly workspace?: string;
  /** Access token, checked on every request and websocket when set. */
  readonly token?: string;
  /**
   * Host names clients may reach the server by besides IP addresses, localhost and `hostname`
   * (DNS rebinding protection: requests naming any other host are refused).
   */
  readonly allowedHosts?: readonly string[];
  /** Device name given to nodes. Default `cpu`. */
  readonly device?: string;
  /** Largest upload in bytes. Default 32 MiB. */
  readonly maxUploadBytes?: number;
  /** Finished prompts kept for `/history`. Default 1000. */
  readonly historyLimit?: number;
  /** Bytes of history kept (the entries' JSON). Default 64 MiB. */
  readonly historyBytes?: number;
  /** Example graphs folder. Default `<package>/examples/graphs`. */
  readonly examplesDir?: string;
  /** Editor files. Default `<package>/editor/public`. */
  readonly publicDir?: string;
  /** Where server messages go. Default stderr. */
  readonly log?: (message: string) => void;
  /**
   * A shared queue instead of the embedded one (e.g. the Redis-backed queue of scale-out/):
   * prompts then run on workers, and the queue and history live in the backend.
   */
  readonly queueBackend?: QueueBackend;
  /**
   * Run the host's cpu model sessions in a worker thread (default true), so requests, websocket
   * pings and interrupts are answered while a model runs. Has no effect on a host whose sessions
   * were already used.
   */
  readonly sessionsOffThread?: boolean;
}

export interface RunningServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly context: ServerContext;
  readonly http: Server;
  /** Cancels the running prompt, drops the pending ones, closes sockets and the listener. */
  close(): Promise<void>;
}

export const DEFAULT_WORKSPACE = '.exitgraph/workspace';

/** Starts the HTTP + websocket server. Rejects when the address is taken or the options are unsafe. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  checkBinding(hostname, options.token);
  const root = packageRoot();
  const logs = new LogRing();
  const sink = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const log = (message: string): void => {
    logs.add(message);
    sink(message);
  };
  const workspace = new ServerWorkspace(resolve(options.workspace ?? DEFAULT_WORKSPACE));
  await workspace.create();

  const device = options.device ?? 'cpu';
  // A model run is synchronous inside onnxruntime-node: on this thread it would hold every
  // request until it ends.
  if (options.sessionsOffThread ?? true) runSessionsOffThread(options.host.services);
  // The hub and the queue refer to each other (status messages, greeting); both exist before use.
  let queue: ServerQueue<QueuedPrompt> | undefined;
  const status = () => ({ type: 'status', data: { status: { exec_info: { queue_remaining: queue?.remaining ?? 0 } } } });
  const access: AccessRules = { hostname, ...(options.token === undefined ? {} : { token: options.token }), ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}) };
  const hub = new WsHub({
    refuse: (req) => refusalOf(req, access, 'websocket'),
    greeting: (sid) => [{ type: 'status', data: { ...status().data, sid } }],
  });
  const onChange = () => hub.send(undefined, status());
  let history: ServerHistory;
  let queueHealth: (() => Record<string, unknown>) | undefined;
  if (options.queueBackend) {
    const opened = await options.queueBackend.open({ host: options.host, hub, onChange, log });
    ({ queue, history } = opened);
    queueHealth = () => opened.health();
  } else {
    history = new PromptHistory({ ...(options.historyLimit === undefined ? {} : { maxEntries: options.historyLimit }), ...(options.historyBytes === undefined ? {} : { maxBytes: options.historyBytes }) });
    const run = promptRunner({ host: options.host, hub, history, workspace: workspace.engineWorkspace(), device, log });
    queue = new PromptQueue<QueuedPrompt>(run, onChange, log);
  }

  const ready: ServerQueue<QueuedPrompt> = queue;
  const context: ServerContext = {
    host: options.host,
    workspace,
    queue: ready,
    history,
    hub,
    device,
    maxUploadBytes: options.maxUploadBytes ?? 32 * 1024 * 1024,
    examplesDir: options.examplesDir ?? join(root, 'examples', 'graphs'),
    version: packageVersion(root),
    log,
    logs,
    settings: new Map(),
    ...(queueHealth ? { queueHealth } : {}),
  };
  const publicDir = options.publicDir ?? join(root, 'editor', 'public');
  if (!existsSync(join(publicDir, 'build', 'editor.js'))) log(`warning: the editor is not built (${join(publicDir, 'build')} is missing): run "npm run build:editor"; the API works without it`);
  const app = createApp(context, { access, publicDir });
  const http = createServer(app);
  hub.attach(http);
  await new Promise<void>((done, fail) => {
    http.once('error', fail);
    http.listen(options.port ?? 8188, hostname, () => {
      http.off('error', fail);
      done();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    context,
    http,
    close: async () => {
      await ready.close();
      hub.close();
      http.closeAllConnections();
      await new Promise<void>((done) => http.close(() => done()));
    },
  };
}

function packageVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
