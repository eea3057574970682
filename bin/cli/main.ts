/**
 * The `exitgraph` command line. Each sub-command lives in commands/<name>.ts and registers
 * itself; this file only assembles them and maps errors to exit codes.
 *
 * Cold start: a command module pulls in what its action needs (the engine, the nodes,
 * onnxruntime, sharp, the editor server), which takes far longer than node itself starts. So only
 * the modules of commands named on the command line are imported; every other command is listed
 * from the table below (name, usage term, description), which is all the top-level help shows.
 * A test checks the table against the real registrations.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../sdk/kernel/host/package-root.js';
import { CliError, EXIT } from './cli-host.js';
import { endQuietlyOnClosedPipes } from './closed-pipes.js';

interface CommandModule {
  /** `argv` is the whole command line, for commands whose flags depend on it (eval's on --plugin). */
  register(program: Command, argv: readonly string[]): void | Promise<void>;
}

/** What the top-level help shows of a command, and how to load it. */
export interface CommandEntry {
  readonly name: string;
  /** The help's term: name, `[options]` and the arguments, as commander prints them. */
  readonly term: string;
  readonly description: string;
  readonly load: () => Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'run', term: 'run [options] <graph>', description: 'Run a saved graph (API prompt JSON, editor workflow JSON, or a PNG with an embedded graph)', load: () => import('./commands/run.js') },
  { name: 'validate', term: 'validate [options] <graph>', description: 'Check a graph without running it; prints every problem with its node id', load: () => import('./commands/validate.js') },
  { name: 'nodes', term: 'nodes [options]', description: 'List every node type with its ports and params schema', load: () => import('./commands/nodes.js') },
  { name: 'convert', term: 'convert [options] <graph>', description: 'Convert a graph between the API prompt format and the editor workflow format', load: () => import('./commands/convert.js') },
  { name: 'metric', term: 'metric [options] <a> <b>', description: 'Compare two images of one size: LPIPS distance, SSIM or PSNR; prints the value to 4 decimals', load: () => import('./commands/metric.js') },
  { name: 'pack', term: 'pack', description: 'Model packs: check them, see what each exit costs, measure them', load: () => import('./commands/pack.js') },
  { name: 'devices', term: 'devices [options]', description: 'Which execution devices work here (each is probed by running a tiny model), and what --device auto picks', load: () => import('./commands/devices.js') },
  { name: 'serve', term: 'serve [options]', description: 'Serve the browser editor and the ComfyUI-compatible HTTP API (POST /prompt, /ws, /history, /view, ...)', load: () => import('./commands/serve.js') },
  {
    name: 'eval',
    term: 'eval [options] <pack>',
    description: 'Evaluate a router on a pack\'s test split (or a folder of label maps, --inputs): MACs and latency saved, violation rate, mean LPIPS, against the full model, the oracle and the best fixed exit',
    load: () => import('./commands/eval-entry.js'),
  },
  { name: 'worker', term: 'worker [options]', description: 'Run prompts from a shared Redis queue (the one `exitgraph serve --queue` fills), with this machine\'s device and plugins', load: () => import('./commands/worker.js') },
  {
    name: 'batch',
    term: 'batch [options] <graph>',
    description: 'Run a graph once per file of a folder, locally or through a shared queue; outputs are named after the inputs and a rerun skips inputs already done',
    load: () => import('./commands/batch.js'),
  },
];

/**
 * The program with the commands named in `argv` (any bare word equal to a command name, so
 * `help run` and `run --help` load `run`; a path that happens to equal a name only loads one
 * module too many) registered for real, and every other command as a listing only.
 * `load: 'all'` registers every command for real (for checks of the listing).
 */
export async function buildProgram(argv: readonly string[] = [], load: 'named' | 'all' = 'named'): Promise<Command> {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  const program = new Command('exitgraph')
    .description('Run node graphs of generative image models with early exits')
    .version(version)
    .option('--plugin <path>', 'load a node pack: folder, module file or npm package (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .showHelpAfterError()
    .exitOverride();
  const words = new Set(argv.filter((word) => !word.startsWith('-')));
  const terms = new Map<string, string>();
  for (const entry of COMMANDS) {
    if (load === 'all' || words.has(entry.name)) {
      await (await entry.load()).register(program, argv);
    } else {
      // Never run: a command named on the command line is always the real one.
      program.command(entry.name).description(entry.description);
      terms.set(entry.name, entry.term);
    }
  }
  const help = program.createHelp();
  program.configureHelp({ subcommandTerm: (command) => terms.get(command.name()) ?? help.subcommandTerm(command) });
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  endQuietlyOnClosedPipes();
  try {
    await (await buildProgram(argv)).parseAsync([...argv], { from: 'user' });
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
