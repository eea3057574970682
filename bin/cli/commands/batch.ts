import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isInside, localWorkspace, runGraph, toApiPrompt, validateGraph, type Graph, type Host, type ValidGraph } from '../../../sdk/index.js';
import { QueueClient } from '../../../editor/server/scale-out/index.js';
import { CliError, EXIT, hostFor } from '../cli-host.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';
import { applyOverrides, printProblems, readGraphArgument } from '../graph-argument.js';

interface BatchOptions {
  over: string;
  set: string[];
  out?: string;
  queue?: string;
  workspace?: string;
  device: string;
  parallel: number;
}

/** One input file's prompt. */
interface BatchItem {
  readonly input: string;
  readonly id: string;
  readonly graph: ValidGraph;
  readonly prompt: Record<string, unknown>;
}

/** What a finished input left, one JSON line each in the state file (so a rerun can skip it). */
interface DoneLine {
  readonly id: string;
  readonly input: string;
  readonly status: 'success' | 'error';
  readonly files: string[];
  readonly error?: string;
}

const STATE_FILE = '.exitgraph-batch.jsonl';

export function register(program: Command): void {
  program
    .command('batch')
    .description('Run a graph once per file of a folder, locally or through a shared queue; outputs are named after the inputs and a rerun skips inputs already done')
    .argument('<graph>', 'graph file (.json or .png)')
    .requiredOption('--over <folder>', 'folder of input files (one prompt each)')
    .option('--set <id.input=value>', 'override a node input or param (repeatable); {file} is the input file, {stem} its name without extension', collect, [])
    .option('--out <dir>', 'folder for outputs and the batch\'s state file (default: ./output; with --queue: <workspace>/output/<graph name>)')
    .option('--queue <redis-url>', 'queue the prompts in Redis for `exitgraph worker`s instead of running them here')
    .option('--workspace <dir>', 'with --queue: the workspace the workers use; --over and --out must be inside it', '.exitgraph/workspace')
    .addOption(new Option('--device <device>', 'execution device for model nodes (local runs)').choices(DEVICE_CHOICES).default('auto'))
    .option('--parallel <n>', 'local runs: inputs in flight at once; their model runs bound for the same exit share batched session runs', positiveInteger, 4)
    .addHelpText('after', '\nExamples:\n  exitgraph batch examples/graphs/resize-and-blend.json --over photos/ --set 1.image={file} --out out/\n  exitgraph batch graph.json --over ws/input/frames --set 1.image={file} --queue redis://127.0.0.1:6379 --workspace ws')
    .action(async (path: string, options: BatchOptions, command: Command) => {
      if (!options.set.some((s) => s.includes('{file}'))) throw new CliError('batch needs --set <node>.<input>={file}: it says which input each file goes to');
      const host = await hostFor(command);
      const parsed = await readGraphArgument(path);
      if (parsed.problems.length) {
        printProblems(path, parsed);
        throw new CliError('graph is invalid; nothing was run', EXIT.invalid);
      }
      const over = resolve(options.over);
      const inputs = await inputFiles(over);
      const workspace = resolve(options.workspace ?? '.exitgraph/workspace');
      const graphName = basename(path, extname(path));
      const out = resolve(options.out ?? (options.queue ? join(workspace, 'output', graphName) : 'output'));
      if (options.queue) {
        if (!isInside(join(workspace, 'input'), over)) throw new CliError(`--over ${options.over} must be inside the workspace's input folder (${join(workspace, 'input')}) so the workers can read it`);
        if (!isInside(join(workspace, 'output'), out)) throw new CliError(`--out ${options.out} must be inside the workspace's output folder (${join(workspace, 'output')}) so the workers can write it`);
      }
      // Queued prompts name inputs relative to the workers' input folder, outputs relative to their output folder.
      const fileRef = (input: string) => (options.queue ? relative(join(workspace, 'input'), input) : input);
      const prefixBase = options.queue ? relative(join(workspace, 'output'), out) : '';
      const items = inputs.map((input) => itemFor(parsed.graph, input, fileRef(input), prefixBase, options.set, host));
      const invalid = items.find((item) => 'problems' in item);
      if (invalid && 'problems' in invalid) {
        printProblems(`${path} with ${invalid.input}`, invalid);
        throw new CliError('graph is invalid for this input; nothing was run', EXIT.invalid);
      }
      await mkdir(out, { recursive: true });
      const done = await readState(out);
      const todo = (items as BatchItem[]).filter((item) => !done.has(item.id));
      const skipped = items.length - todo.length;
      process.stderr.write(`batch: ${items.length} input${items.length === 1 ? '' : 's'} in ${options.over}${skipped ? `, ${skipped} already done (skipped)` : ''}${options.queue ? `, queued in ${options.queue}` : ''}\n`);
      const progress = batchProgress(items.length, skipped);
      const record = async (line: DoneLine) => {
        await appendFile(join(out, STATE_FILE), `${JSON.stringify(line)}\n`);
        progress.step(line);
      };
      try {
        if (options.queue) await runQueued(todo, options.queue, workspace, record);
        else await runLocally(todo, host, await pickDevice(options.device), dirname(resolve(path)), out, record, options.parallel);
      } finally {
        progress.stop();
      }
      const failed = progress.failed();
      process.stdout.write(`batch: ${todo.length - failed} done, ${skipped} skipped, ${failed} failed; outputs in ${out}\n`);
      if (failed) process.exitCode = EXIT.failed;
    });
}

async function inputFiles(folder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    throw new CliError(`--over ${folder}: no such folder`);
  }
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => join(folder, e.name)).sort();
  if (!files.length) throw new CliError(`--over ${folder}: the folder has no files`);
  return files;
}

/**
 * The prompt for one input: the overrides with `{file}`/`{stem}` filled in, and every output
 * node that writes files prefixed with the input's name (unless --set gave it a prefix). Its id
 * is a hash of the prompt, so the same input of the same graph is recognised on a rerun.
 */
function itemFor(graph: Graph, input: string, ref: string, prefixBase: string, sets: readonly string[], host: Host): BatchItem | { input: string; problems: ReturnType<typeof validateGraph>['problems'] } {
  const stem = basename(input, extname(input));
  const overrides = sets.map((s) => s.replaceAll('{file}', ref).replaceAll('{stem}', stem));
  let withInput = applyOverrides(graph, overrides);
  const writers = [...withInput.nodes].filter(([, node]) => {
    const definition = host.registry.resolve(node.classType)?.definition;
    return definition?.output && (definition.params as { properties?: Record<string, unknown> }).properties?.filename_prefix !== undefined;
  });
  const named = writers
    .filter(([id]) => !sets.some((s) => s.startsWith(`${id}.filename_prefix=`)))
    .map(([id]) => `${id}.filename_prefix=${join(prefixBase, writers.length > 1 ? `${stem}_${id}` : stem)}`);
  withInput = applyOverrides(withInput, named);
  const result = validateGraph(withInput, host.registry, { requireOutputs: true });
  if (result.problems.length || !result.graph) return { input, problems: result.problems };
  const prompt = toApiPrompt(withInput) as Record<string, unknown>;
  const id = `batch-${createHash('sha256').update(JSON.stringify(prompt)).digest('hex').slice(0, 24)}`;
  return { input, id, graph: result.graph, prompt };
}

async function readState(out: string): Promise<Set<string>> {
  const path = join(out, STATE_FILE);
  if (!existsSync(path)) return new Set();
  const done = new Set<string>();
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    try {
      const entry = JSON.parse(line) as DoneLine;
      if (entry.status === 'success') done.add(entry.id);
    } catch {
      // A line cut short by a crash: that input runs again.
    }
  }
  return done;
}

const filesOf = (ui: Record<string, Record<string, unknown>>, outputDir: string): string[] =>
  Object.values(ui).flatMap((u) => ((u.images as { filename: string; subfolder: string }[] | undefined) ?? []).map((f) => join(outputDir, f.subfolder, f.filename)));

/**
 * Runs the inputs' graphs through one host, `parallel` at a time: while one input's graph loads
 * or saves files, another's model runs, and model runs that wait together for the same pack and
 * exit go through it as one batch (the pack runner coalesces them). Lines are recorded in the
 * order inputs finish; the state file is keyed by input, so order does not matter to a rerun.
 */
async function runLocally(items: readonly BatchItem[], host: Host, device: { device: string }, graphDir: string, out: string, record: (line: DoneLine) => Promise<void>, parallel: number): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort('interrupted');
  process.once('SIGINT', onSigint);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (!controller.signal.aborted && next < items.length) {
      const item = items[next++]!;
      const workspace = localWorkspace(resolve('.'), out, { fallbackInputDirs: [graphDir] });
      const run = await runGraph(item.graph, { signal: controller.signal, cache: host.cache, device: device.device, workspace });
      if (run.status === 'cancelled') return;
      await record({ id: item.id, input: item.input, status: run.status === 'success' ? 'success' : 'error', files: filesOf(run.ui, out), ...(run.error ? { error: run.error.message } : {}) });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, lane));
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function runQueued(items: readonly BatchItem[], url: string, workspace: string, record: (line: DoneLine) => Promise<void>): Promise<void> {
  let client: QueueClient;
  try {
    client = await QueueClient.open(url);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.failed);
  }
  try {
    // A client id no socket uses: the batch's messages do not flood the editors connected to the server.
    const clientId = `batch-${process.pid}`;
    for (const item of items) await client.add({ id: item.id, prompt: item.prompt, outputs: [...item.graph.outputNodes], clientId });
    const waiting = new Map(items.map((item) => [item.id, item]));
    while (waiting.size) {
      for (const [id, entry] of await client.finished([...waiting.keys()])) {
        const item = waiting.get(id)!;
        waiting.delete(id);
        const status = entry.status.status_str;
        const error = entry.status.messages.find(([type]) => type === 'execution_error')?.[1]?.exception_message;
        await record({ id, input: item.input, status, files: filesOf(entry.outputs, join(workspace, 'output')), ...(typeof error === 'string' ? { error } : {}) });
      }
      if (waiting.size) await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await client.close();
  }
}

/** One bar for the whole batch with an ETA on a terminal; one line per input otherwise. */
function batchProgress(total: number, skipped: number): { step(line: DoneLine): void; stop(): void; failed(): number } {
  let done = skipped;
  let failed = 0;
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: ' {bar} {value}/{total} inputs | ETA {eta_formatted} | {last}', hideCursor: true, stream: process.stderr, etaBuffer: 20 }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(total, done, { last: skipped ? `${skipped} skipped` : '' });
  const started = Date.now();
  return {
    step: (line) => {
      done += 1;
      if (line.status !== 'success') failed += 1;
      const name = basename(line.input);
      const what = line.status === 'success' ? `${name} -> ${line.files.map((f) => basename(f)).join(', ')}` : `${name} failed: ${line.error ?? 'error'}`;
      if (bar) bar.update(done, { last: what });
      else {
        const perInput = (Date.now() - started) / (done - skipped);
        process.stderr.write(`[${done}/${total}] ${what} (ETA ${Math.round((perInput * (total - done)) / 1000)} s)\n`);
      }
    },
    stop: () => bar?.stop(),
    failed: () => failed,
  };
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got ${value}`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
