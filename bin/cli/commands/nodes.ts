import type { Command } from 'commander';
import { describeNode } from '../../../sdk/index.js';
import { hostFor } from '../cli-host.js';

export function register(program: Command): void {
  program
    .command('nodes')
    .description('List every node type with its ports and params schema')
    .option('--json', 'print a JSON array')
    .action(async (options: { json?: boolean }, command: Command) => {
      const host = await hostFor(command);
      const nodes = host.registry.list();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(nodes.map(describeNode), null, 2)}\n`);
        return;
      }
      for (const { definition, origin } of nodes) {
        const ports = (specs: object) => Object.entries(specs).map(([name, spec]) => `${name}: ${(spec as { type: string }).type}`).join(', ') || '-';
        const params = Object.keys(definition.params.properties).join(', ') || '-';
        process.stdout.write(`${definition.id}@${definition.version}  ${definition.title}  [${definition.category}]${origin === 'exitgraph' ? '' : ` (${origin})`}\n`);
        process.stdout.write(`    in: ${ports(definition.inputs)}\n    out: ${ports(definition.outputs)}\n    params: ${params}\n`);
      }
    });
}
