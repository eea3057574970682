import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { startPromptWorker, type RunningWorker } from '../../../editor/server/scale-out/index.js';
import { CliError, EXIT, hostFor, type GlobalOptions } from '../cli-host.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';

interface WorkerOptions {
  queue: string;
  workspace: string;
  device: string;
  concurrency: string;
  lockMs: string;
}

export function register(program: Command): void {
  program
    .command('worker')
    .description('Run prompts from a shared Redis queue (the one `exitgraph serve --queue` fills), with this machine\'s device and plugins')
    .requiredOption('--queue <redis-url>', 'the queue: redis://host:port[/db]')
    .option('--workspace <dir>', 'the workspace folder the server uses (inputs are read and outputs written there)', '.exitgraph/workspace')
    .addOption(new Option('--device <device>', 'execution device for model nodes').choices(DEVICE_CHOICES).default('auto'))
    .option('--concurrency <n>', 'prompts to run at once', '1')
    .option('--lock-ms <ms>', 'how soon a dead worker\'s prompt is handed to another (its lock\'s lifetime)', '30000')
    .addHelpText('after', '\nExamples:\n  exitgraph worker --queue redis://127.0.0.1:6379 --workspace /shared/ws\n  exitgraph --plugin ./my-pack worker --queue redis://gpu-box:6379/1 --device cuda --concurrency 2')
    .action(async (options: WorkerOptions, command: Command) => {
      const concurrency = Number(options.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliError(`--concurrency must be a whole number >= 1, got ${options.concurrency}`);
      const lockMs = Number(options.lockMs);
      if (!Number.isInteger(lockMs) || lockMs < 1000) throw new CliError(`--lock-ms must be a whole number of milliseconds >= 1000, got ${options.lockMs}`);
      const host = await hostFor(command);
      const device = await pickDevice(options.device);
      if (options.device === 'auto') process.stderr.write(`device: ${device.device} (${device.reason})\n`);
      let worker: RunningWorker;
      try {
        worker = await startPromptWorker({
          url: options.queue,
          host,
          workspace: resolve(options.workspace),
          device: device.device,
          concurrency,
          lockMs,
          plugins: command.optsWithGlobals<GlobalOptions>().plugin ?? [],
        });
      } catch (error) {
        throw new CliError((error as Error).message, EXIT.failed);
      }
      process.stderr.write(`exitgraph worker ${worker.id}: taking prompts from ${options.queue} (concurrency ${concurrency}, device ${device.device})\nworkspace: ${resolve(options.workspace)}\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          process.stderr.write('\nstopping the worker (finishing its prompts)\n');
          done();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await worker.close();
      await host.close();
    });
}
