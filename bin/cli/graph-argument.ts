import { readFile } from 'node:fs/promises';
import { parseGraphText, type ParsedGraph } from '../../sdk/index.js';
import { MAX_REPORTED_PROBLEMS, formatProblems, type GraphProblem } from '../../sdk/index.js';
import type { Graph, InputBinding } from '../../sdk/index.js';
import { isPng, readPngText } from '../../sdk/index.js';
import { CliError } from './cli-host.js';

/**
 * Reads the graph a command was given: a JSON file in either format, or a PNG written by
 * SaveImage (its embedded `prompt`, which pins node versions, else its `workflow`).
 */
export async function readGraphArgument(path: string): Promise<ParsedGraph> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  try {
    if (isPng(bytes)) {
      const text = readPngText(bytes, path);
      const embedded = text.prompt ?? text.workflow;
      if (!embedded) throw new Error(`${path} has no embedded graph (no "prompt" or "workflow" text chunk)`);
      const parsed = parseGraphText(embedded, `${path} (embedded ${text.prompt ? 'prompt' : 'workflow'})`);
      if (text.prompt && text.workflow) {
        const workflow = JSON.parse(text.workflow) as unknown;
        return { ...parsed, graph: { ...parsed.graph, workflow } };
      }
      return parsed;
    }
    return parseGraphText(bytes.toString('utf8'), path);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** Applies `--set <id>.<input>=<value>` overrides; values are JSON when they parse, else text. */
export function applyOverrides(graph: Graph, overrides: readonly string[]): Graph {
  if (!overrides.length) return graph;
  const nodes = new Map(graph.nodes);
  for (const override of overrides) {
    const match = /^([^.=]+)\.([^=]+)=(.*)$/s.exec(override);
    if (!match) throw new CliError(`--set ${override}: expected <node id>.<input>=<value>`);
    const [, id, input, raw] = match as unknown as [string, string, string, string];
    const node = nodes.get(id);
    if (!node) throw new CliError(`--set ${override}: the graph has no node ${id} (nodes: ${[...nodes.keys()].join(', ')})`);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: keep the text as it is
    }
    const inputs: Record<string, InputBinding> = { ...node.inputs, [input]: { value } };
    nodes.set(id, { ...node, inputs });
  }
  return { ...graph, nodes };
}

export function printProblems(source: string, parsed: { problems: readonly GraphProblem[] }): void {
  process.stderr.write(`${source}: ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}\n`);
  if (parsed.problems.length) process.stderr.write(`${formatProblems(parsed.problems, MAX_REPORTED_PROBLEMS, '  ')}\n`);
}
