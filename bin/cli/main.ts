/**
 * The `exitgraph` command line. Each sub-command lives in commands/<name>.ts and registers
 * itself; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot, type Host } from '../../sdk/index.js';
import { ROUTERS } from '../../sdk/early-exit/index.js';
import { CliError, EXIT, hostWithPlugins } from './cli-host.js';
import { endQuietlyOnClosedPipes } from './closed-pipes.js';
import * as batch from './commands/batch.js';
import * as convert from './commands/convert.js';
import * as evaluate from './commands/eval.js';
import * as devices from './commands/devices.js';
import * as metric from './commands/metric.js';
import * as nodes from './commands/nodes.js';
import * as pack from './commands/pack.js';
import * as run from './commands/run.js';
import * as serve from './commands/serve.js';
import * as validate from './commands/validate.js';
import * as worker from './commands/worker.js';

/**
 * The program. `host`, when given, is the host `eval` runs against: its router registry gives
 * eval's router flags and --help, so it must exist before the arguments are parsed.
 */
export function buildProgram(host?: Host): Command {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = new Command('exitgraph')
    .description('Run node graphs of generative image models with early exits')
    .version(version)
    .option('--plugin <path>', 'load a node pack: folder, module file or npm package (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .showHelpAfterError()
    .exitOverride();
  for (const command of [run, validate, nodes, convert, metric, pack, devices, serve, worker, batch]) command.register(program);
  evaluate.register(program, host?.services.get(ROUTERS), host);
  return program;
}

/** The sub-command and the --plugin values of an argument list, read before commander parses it. */
export function peekCommand(argv: readonly string[]): { command?: string; plugins: string[] } {
  const plugins: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--plugin') plugins.push(argv[++i] ?? '');
    else if (arg.startsWith('--plugin=')) plugins.push(arg.slice('--plugin='.length));
    else if (!arg.startsWith('-')) return { command: arg, plugins };
  }
  return { plugins };
}

export async function main(argv: readonly string[]): Promise<number> {
  endQuietlyOnClosedPipes();
  try {
    // eval's flags come from the routers of its host (plugins included): build that host first.
    const peeked = peekCommand(argv);
    const host = peeked.command === 'eval' ? await hostWithPlugins(peeked.plugins) : undefined;
    await buildProgram(host).parseAsync([...argv], { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; usage errors exit 2 (commander already printed the message).
      return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    }
    if (error instanceof CliError) {
      if (error.message) process.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
}
