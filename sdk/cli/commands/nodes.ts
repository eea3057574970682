import type { Command } from 'commander';
import type { RegisteredNode } from '../../node/node-registry.js';
import { hostFor } from '../cli-host.js';

/** A node type as `exitgraph nodes --json` and `/api/nodes` describe it. */
export function describeNode({ definition, origin }: RegisteredNode): Record<string, unknown> {
  return {
    id: definition.id,
    version: definition.version,
    title: definition.title,
    category: definition.category,
    description: definition.description,
    pack: origin,
    output_node: Boolean(definition.output),
    cacheable: definition.cacheable !== false,
    inputs: definition.inputs,
    outputs: definition.outputs,
    params: definition.params,
  };
}

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
