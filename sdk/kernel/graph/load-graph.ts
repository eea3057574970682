import { readFile } from 'node:fs/promises';
import { parseApiPrompt } from './api-format.js';
import type { Graph } from './graph.js';
import type { GraphProblem } from './graph-problem.js';
import { isWorkflow, parseWorkflow } from './workflow-format.js';

export type GraphFormat = 'api' | 'workflow';

export interface ParsedGraph {
  readonly graph: Graph;
  readonly format: GraphFormat;
  readonly problems: GraphProblem[];
}

/**
 * Parses a graph in either format. ComfyUI clients wrap the API prompt as `{ "prompt": {...} }`
 * (with `extra_data.extra_pnginfo.workflow`); that envelope is accepted too.
 */
export function parseGraph(json: unknown): ParsedGraph {
  if (isWorkflow(json)) return { ...parseWorkflow(json), format: 'workflow' };
  const envelope = json as { prompt?: unknown; extra_data?: { extra_pnginfo?: { workflow?: unknown } } } | null;
  if (envelope && typeof envelope === 'object' && typeof envelope.prompt === 'object' && envelope.prompt !== null && !('class_type' in envelope.prompt)) {
    return { ...parseApiPrompt(envelope.prompt, envelope.extra_data?.extra_pnginfo?.workflow), format: 'api' };
  }
  return { ...parseApiPrompt(json), format: 'api' };
}

/** Reads and parses a graph file (`.json`); malformed JSON is an error naming the file and position. */
export async function readGraphFile(path: string): Promise<ParsedGraph> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read graph file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  return parseGraphText(text, path);
}

export function parseGraphText(text: string, source: string): ParsedGraph {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  return parseGraph(json);
}
