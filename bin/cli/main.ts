/**
 * The `exitgraph` command line. Each sub-command lives in commands/<name>.ts and registers
 * itself; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../sdk/index.js';
import { CliError, EXIT } from './cli-host.js';
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

export function buildProgram(): Command {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = new Command('exitgraph')
    .description('Run node graphs of generative image models with early exits')
    .version(version)
    .option('--plugin <path>', 'load a node pack: folder, module file or npm package (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .showHelpAfterError()
    .exitOverride();
  for (const command of [run, validate, nodes, convert, metric, pack, devices, serve, evaluate, worker, batch]) command.register(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
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
