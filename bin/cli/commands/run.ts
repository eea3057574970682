import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { runGraph } from '../../../sdk/index.js';
import { localWorkspace } from '../../../sdk/index.js';
import { validateGraph } from '../../../sdk/index.js';
import { CliError, EXIT, hostFor } from '../cli-host.js';
import { applyOverrides, printProblems, readGraphArgument } from '../graph-argument.js';
import { createRunReporter } from '../run-reporter.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';
import { listenForCtrlC } from '../interrupt.js';

interface RunOptions {
  set: string[];
  out: string;
  inputDir?: string;
  device: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('run')
    .description('Run a saved graph (API prompt JSON, editor workflow JSON, or a PNG with an embedded graph)')
    .argument('<graph>', 'graph file (.json or .png)')
    .option('--set <id.input=value>', 'override a node input or param before running (repeatable); value is JSON or text', collect, [])
    .option('--out <dir>', 'folder for output files', 'output')
    .option('--input-dir <dir>', 'folder relative input paths resolve against (default: the current folder; then the graph file\'s folder)')
    .addOption(new Option('--device <device>', 'execution device for model nodes').choices(DEVICE_CHOICES).default('auto'))
    .option('--json', 'print the result as JSON (events go to stderr)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 the run failed, 2 invalid graph or arguments, 130 interrupted.\nA run that fails or is interrupted removes the files its output nodes wrote. The pack param of model nodes may be a pack name or, here, a pack folder path.\n\nExample:\n  exitgraph run examples/graphs/resize-and-blend.json --set 1.image=photo.png --out out/')
    .action(async (path: string, options: RunOptions, command: Command) => {
      const host = await hostFor(command);
      const parsed = await readGraphArgument(path);
      const graph = applyOverrides(parsed.graph, options.set);
      const result = validateGraph(graph, host.registry, { requireOutputs: true });
      const problems = [...parsed.problems, ...result.problems];
      if (problems.length || !result.graph) {
        printProblems(path, { problems });
        throw new CliError('graph is invalid; nothing was run', EXIT.invalid);
      }
      const device = await pickDevice(options.device);
      if (!options.json && options.device === 'auto') process.stderr.write(`device: ${device.device} (${device.reason})\n`);
      const reporter = await createRunReporter({ tty: Boolean(process.stdout.isTTY) && !options.json, quiet: Boolean(options.json) });
      // The run sees the abort itself (nodes get ctx.signal) and ends as 'cancelled'.
      const ctrlC = listenForCtrlC('the run');
      // Relative inputs: --input-dir (default: the current folder), then the graph file's folder.
      const workspace = localWorkspace(resolve(options.inputDir ?? '.'), resolve(options.out), { fallbackInputDirs: [resolve(dirname(path))] });
      const run = await runGraph(result.graph, { signal: ctrlC.signal, onEvent: reporter.onEvent, cache: host.cache, device: device.device, workspace });
      ctrlC.dispose();
      const files = Object.values(run.ui).flatMap((ui) => ((ui.images as { filename: string; subfolder: string }[] | undefined) ?? []).map((f) => resolve(workspace.outputDir, f.subfolder, f.filename)));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ status: run.status, ms: run.ms, device: device.device, files, ui: run.ui, error: run.error?.message }, null, 2)}\n`);
      } else if (run.status === 'success') {
        process.stdout.write(`done in ${(run.ms / 1000).toFixed(2)} s${files.length ? `; wrote ${files.join(', ')}` : ''}\n`);
      }
      if (run.status === 'cancelled') process.exitCode = EXIT.interrupted;
      else if (run.status === 'error') process.exitCode = EXIT.failed;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
