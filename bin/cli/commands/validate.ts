import type { Command } from 'commander';
import { validateGraph } from '../../../sdk/index.js';
import { CliError, EXIT, hostFor } from '../cli-host.js';
import { applyOverrides, printProblems, readGraphArgument } from '../graph-argument.js';

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check a graph without running it; prints every problem with its node id')
    .argument('<graph>', 'graph file (.json or .png)')
    .option('--set <id.input=value>', 'apply an override first (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .option('--json', 'print problems as JSON')
    .addHelpText('after', '\nExit codes: 0 valid, 2 invalid.')
    .action(async (path: string, options: { set: string[]; json?: boolean }, command: Command) => {
      const host = await hostFor(command);
      const parsed = await readGraphArgument(path);
      const result = validateGraph(applyOverrides(parsed.graph, options.set), host.registry, { requireOutputs: true });
      const problems = [...parsed.problems, ...result.problems];
      if (options.json) process.stdout.write(`${JSON.stringify({ valid: problems.length === 0, format: parsed.format, problems }, null, 2)}\n`);
      if (problems.length) {
        if (!options.json) printProblems(path, { problems });
        throw new CliError('', EXIT.invalid);
      }
      if (!options.json) process.stdout.write(`${path}: valid (${parsed.format} format, ${parsed.graph.nodes.size} nodes)\n`);
    });
}
