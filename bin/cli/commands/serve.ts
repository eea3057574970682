import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { startServer, type RunningServer } from '../../../editor/server/index.js';
import { QueueUnreachableError, redisQueueBackend } from '../../../editor/server/scale-out/index.js';
import { CliError, EXIT, hostFor } from '../cli-host.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';

interface ServeOptions {
  host: string;
  port: string;
  workspace: string;
  token?: string;
  device: string;
  maxUpload: string;
  queue?: string;
  cacheMb: string;
  historyMb: string;
  allowHost: string[];
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Serve the browser editor and the ComfyUI-compatible HTTP API (POST /prompt, /ws, /history, /view, ...)')
    .option('--host <address>', 'address to bind; anything but loopback needs --token', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8188')
    .option('--workspace <dir>', 'folder for inputs, outputs and saved workflows (created if missing)', '.exitgraph/workspace')
    .option('--token <secret>', 'access token required on every request (Authorization: Bearer <secret>, or ?token=<secret>); default: $EXITGRAPH_TOKEN')
    .addOption(new Option('--device <device>', 'execution device for model nodes').choices(DEVICE_CHOICES).default('auto'))
    .option('--max-upload <MiB>', 'largest accepted image upload, in MiB', '32')
    .option('--queue <redis-url>', 'queue prompts in Redis (redis://host:port[/db]) for `exitgraph worker`s to run; queue and history survive restarts (default: run them in this process)')
    .option('--allow-host <name>', 'a host name clients may reach the server by, besides IP addresses, localhost and --host (repeatable; other Host headers are refused, against DNS rebinding)', (value: string, previous: string[]) => [...previous, value], [])
    .option('--cache-mb <MiB>', 'memory for node outputs reused across prompts, in MiB', '512')
    .option('--history-mb <MiB>', 'memory for finished prompts kept for /history, in MiB (the newest is always kept)', '64')
    .addHelpText('after', '\nExamples:\n  exitgraph serve                      # http://127.0.0.1:8188\n  exitgraph serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"\n  exitgraph serve --queue redis://127.0.0.1:6379 --workspace /shared/ws   # then: exitgraph worker --queue ...')
    .action(async (options: ServeOptions, command: Command) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0-65535, got ${options.port}`);
      const maxUpload = Number(options.maxUpload);
      if (!(maxUpload > 0)) throw new CliError(`--max-upload must be a positive number of MiB, got ${options.maxUpload}`);
      const cacheMb = Number(options.cacheMb);
      if (!(cacheMb >= 0)) throw new CliError(`--cache-mb must be a number of MiB (0 turns reuse off), got ${options.cacheMb}`);
      const historyMb = Number(options.historyMb);
      if (!(historyMb >= 0)) throw new CliError(`--history-mb must be a number of MiB, got ${options.historyMb}`);
      // An empty --token is a mistake, not "no token": refuse it rather than serve without one.
      if (options.token !== undefined && options.token.trim() === '') throw new CliError('--token must not be empty (give a secret of at least 8 characters, or leave --token out on loopback)');
      const token = options.token ?? (process.env.EXITGRAPH_TOKEN || undefined);
      const host = await hostFor(command, { cacheBytes: Math.round(cacheMb * 1024 * 1024) });
      const device = await pickDevice(options.device);
      if (options.device === 'auto') process.stderr.write(`device: ${device.device} (${device.reason})\n`);
      let server: RunningServer;
      try {
        server = await startServer({
          host,
          hostname: options.host,
          port,
          workspace: resolve(options.workspace),
          ...(token ? { token } : {}),
          device: device.device,
          maxUploadBytes: Math.round(maxUpload * 1024 * 1024),
          ...(options.queue ? { queueBackend: redisQueueBackend(options.queue) } : {}),
          historyBytes: Math.round(historyMb * 1024 * 1024),
          allowedHosts: options.allowHost,
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new CliError(`${options.host}:${port} is in use (is another exitgraph or ComfyUI running?); pick another --port`, EXIT.failed);
        if (error instanceof QueueUnreachableError) throw new CliError(error.message, EXIT.failed);
        throw new CliError((error as Error).message, EXIT.invalid);
      }
      process.stderr.write(`exitgraph editor: ${server.url}/${token ? '?token=<your token>' : ''}\nworkspace: ${resolve(options.workspace)}\n${options.queue ? `queue: ${options.queue} (prompts run on exitgraph workers)\n` : ''}`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.stderr.write('\nstopping the server\n');
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await server.close();
    });
}
