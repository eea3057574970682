/**
 * Runs built-in nodes the way the CLI does (validated graph, local workspace in a temp folder),
 * and writes small PNG fixtures byte by byte so tests control every pixel, palette entry and
 * text chunk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  NodeRegistry,
  localWorkspace,
  parseGraph,
  registerPack,
  runGraph,
  validateGraph,
  type GraphProblem,
  type OutputCache,
  type RunEvent,
  type RunResult,
  type Workspace,
} from '../../sdk/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { pngChunk as chunk } from '../support/png-chunk.js';

let registry: Promise<NodeRegistry> | undefined;

/** A registry holding exitgraph's built-in pack, shared by the tests of one file. */
export function builtinRegistry(): Promise<NodeRegistry> {
  registry ??= Promise.resolve().then(() => {
    const r = new NodeRegistry();
    for (const pack of builtinPacks) registerPack(pack, r, true);
    return r;
  });
  return registry;
}

export interface Sandbox {
  /** Input folder (relative paths in graphs resolve here). */
  readonly dir: string;
  /** Output folder. */
  readonly out: string;
  readonly workspace: Workspace;
  /** Validates (problems are returned, not thrown) and runs a graph in either format. */
  run(graph: unknown, options?: { cache?: OutputCache; targets?: string[] }): Promise<RunResult & { events: RunEvent[]; problems: GraphProblem[] }>;
  remove(): void;
}

export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'exitgraph-nodes-'));
  const out = join(dir, 'out');
  const workspace = localWorkspace(dir, out);
  return {
    dir,
    out,
    workspace,
    run: async (json, options = {}) => {
      const parsed = parseGraph(json);
      const result = validateGraph(parsed.graph, await builtinRegistry());
      const problems = [...parsed.problems, ...result.problems];
      if (problems.length || !result.graph) {
        return { runId: '', status: 'error', ms: 0, values: new Map(), ui: {}, executed: [], cached: [], events: [], problems };
      }
      const events: RunEvent[] = [];
      const run = await runGraph(result.graph, { workspace, onEvent: (e) => events.push(e), ...options });
      return { ...run, events, problems };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}


export interface PngSpec {
  readonly width: number;
  readonly height: number;
  /** 0 grey, 2 RGB, 3 indexed (palette). 8 bits per sample. */
  readonly colorType: 0 | 2 | 3;
  /** Samples row-major: one per pixel (grey, index) or three (RGB). */
  readonly samples: readonly number[];
  readonly palette?: readonly (readonly [number, number, number])[];
  readonly text?: Readonly<Record<string, string>>;
}

/** An 8-bit PNG exactly as specified (no encoder decisions in between). */
export function makePng(spec: PngSpec): Buffer {
  const perPixel = spec.colorType === 2 ? 3 : 1;
  if (spec.samples.length !== spec.width * spec.height * perPixel) throw new Error('makePng: wrong number of samples');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr[8] = 8;
  ihdr[9] = spec.colorType;
  const rows: number[] = [];
  for (let y = 0; y < spec.height; y++) {
    rows.push(0); // filter: none
    rows.push(...spec.samples.slice(y * spec.width * perPixel, (y + 1) * spec.width * perPixel));
  }
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (spec.palette) parts.push(chunk('PLTE', Buffer.from(spec.palette.flat())));
  for (const [keyword, value] of Object.entries(spec.text ?? {})) parts.push(chunk('tEXt', Buffer.from(`${keyword}\0${value}`, 'latin1')));
  parts.push(chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/** The first node:error event of a run. */
export function nodeError(events: readonly RunEvent[]): Extract<RunEvent, { type: 'node:error' }> | undefined {
  return events.find((e): e is Extract<RunEvent, { type: 'node:error' }> => e.type === 'node:error');
}
