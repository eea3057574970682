import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { toApiPrompt } from '../../../sdk/index.js';
import { toWorkflow } from '../../../sdk/index.js';
import { CliError, EXIT, hostFor } from '../cli-host.js';
import { printProblems, readGraphArgument } from '../graph-argument.js';

export function register(program: Command): void {
  program
    .command('convert')
    .description('Convert a graph between the API prompt format and the editor workflow format')
    .argument('<graph>', 'graph file (.json or .png)')
    .addOption(new Option('--to <format>', 'target format').choices(['api', 'workflow']).makeOptionMandatory())
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .addHelpText('after', '\nExit codes: 0 converted, 2 not a graph (its problems are printed; nothing is written).')
    .action(async (path: string, options: { to: 'api' | 'workflow'; output?: string }, command: Command) => {
      const host = await hostFor(command);
      const parsed = await readGraphArgument(path);
      // A file that is not a graph (another JSON document, a broken link list) would convert to
      // an empty or partial graph; its problems are what the user needs instead. Unknown node
      // types are not checked here: a graph for a plugin not loaded still converts.
      if (parsed.problems.length || parsed.graph.nodes.size === 0) {
        const problems = parsed.problems.length ? parsed.problems : [{ kind: 'no_outputs' as const, message: 'the graph has no nodes' }];
        printProblems(path, { problems });
        throw new CliError('not a graph; nothing was converted', EXIT.invalid);
      }
      const { graph } = parsed;
      const converted = options.to === 'api' ? toApiPrompt(graph) : toWorkflow(graph, host.registry);
      const text = `${JSON.stringify(converted, null, 2)}\n`;
      if (options.output) await writeFile(options.output, text);
      else process.stdout.write(text);
    });
}
