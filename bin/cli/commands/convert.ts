import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { toApiPrompt } from '../../../sdk/index.js';
import { toWorkflow } from '../../../sdk/index.js';
import { hostFor } from '../cli-host.js';
import { readGraphArgument } from '../graph-argument.js';

export function register(program: Command): void {
  program
    .command('convert')
    .description('Convert a graph between the API prompt format and the editor workflow format')
    .argument('<graph>', 'graph file (.json or .png)')
    .addOption(new Option('--to <format>', 'target format').choices(['api', 'workflow']).makeOptionMandatory())
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (path: string, options: { to: 'api' | 'workflow'; output?: string }, command: Command) => {
      const host = await hostFor(command);
      const { graph } = await readGraphArgument(path);
      const converted = options.to === 'api' ? toApiPrompt(graph) : toWorkflow(graph, host.registry);
      const text = `${JSON.stringify(converted, null, 2)}\n`;
      if (options.output) await writeFile(options.output, text);
      else process.stdout.write(text);
    });
}
