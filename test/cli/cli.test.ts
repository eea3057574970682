/**
 * The `exitgraph` command end to end, as a user runs it: exit codes, files written, embedded
 * graphs read back, conversion, listing, plugins and Ctrl-C.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, imageToBytes, readPngText, type ApiPrompt, type Image } from '../../sdk/index.js';
import { ensureBuilt, exitgraph, root } from './cli-harness.js';

const graphsDir = join(root, 'examples', 'graphs');
const examples = readdirSync(graphsDir).filter((f) => f.endsWith('.json')).sort();
const example = (name: string) => join(graphsDir, name);
const fiveProblems = join(graphsDir, 'invalid', 'five-problems.json');
const plugin = (name: string) => join(root, 'test', 'fixtures', 'plugins', name);

let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'exitgraph-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A fresh, empty folder under the suite's temp dir. */
function folder(name: string): string {
  const dir = join(tmp, `${++counter}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const pngsIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.png')).sort() : []);

async function pixels(file: string): Promise<{ width: number; height: number; channels: number; bytes: Buffer }> {
  const image: Image = await decodeImage(readFileSync(file), file);
  return { width: image.width, height: image.height, channels: image.channels, bytes: Buffer.from(imageToBytes(image)) };
}

/** Runs `exitgraph run` on the first example once and remembers what it wrote, for later tests. */
let blend: Promise<{ file: string; prompt: ApiPrompt }> | undefined;
function blendOutput(): Promise<{ file: string; prompt: ApiPrompt }> {
  blend ??= (async () => {
    const out = folder('blend');
    const result = await exitgraph(['run', example('resize-and-blend.json'), '--out', out, '--device', 'cpu']);
    if (result.code !== 0) throw new Error(`exitgraph run failed (${result.code}): ${result.stderr}`);
    const file = join(out, 'blend_00001_.png');
    return { file, prompt: JSON.parse(readPngText(readFileSync(file)).prompt!) as ApiPrompt };
  })();
  return blend;
}

describe('exitgraph run', () => {
  it.each(examples)('runs %s, exits 0 and writes its PNGs into --out', async (name) => {
    const out = folder(basename(name, '.json'));
    const result = await exitgraph(['run', example(name), '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const written = pngsIn(out);
    const prompt = JSON.parse(readFileSync(example(name), 'utf8')) as ApiPrompt;
    // One PNG, or one per frame of the folder a Load Frames node reads (Save Frames).
    const frames = Object.values(prompt).find((node) => node.class_type === 'exitgraph/LoadFrames')?.inputs.path;
    expect(written).toHaveLength(typeof frames === 'string' ? pngsIn(join(root, frames)).length : 1);
    // The run names what it wrote last: the PNG, or the frames' animated preview.
    const preview = readdirSync(out).find((f) => f.endsWith('.webp') || f.endsWith('.gif'));
    expect(result.stdout).toContain(`wrote ${join(out, typeof frames === 'string' && preview ? preview : written[0]!)}`);
    // Not a terminal: one line per node, no progress bar.
    for (const [id, node] of Object.entries(prompt)) expect(result.stdout).toContain(`node ${id} (${node.class_type}) done`);
    const text = readPngText(readFileSync(join(out, written[0]!)));
    expect(Object.keys(JSON.parse(text.prompt!)).sort()).toEqual(Object.keys(prompt).sort());
  });

  it('writes what the example graph describes', async () => {
    const { file, prompt } = await blendOutput();
    const image = await pixels(file);
    expect([image.width, image.height]).toEqual([192, 192]);
    // The embedded prompt is the graph as run, every type pinned to its version.
    const original = JSON.parse(readFileSync(example('resize-and-blend.json'), 'utf8')) as ApiPrompt;
    for (const [id, node] of Object.entries(original)) expect(prompt[id]).toEqual({ ...node, class_type: `${node.class_type}@1` });
  });

  it('reproduces the same pixels from the embedded prompt saved to a file', async () => {
    const { file, prompt } = await blendOutput();
    const dir = folder('replay');
    writeFileSync(join(dir, 'prompt.json'), JSON.stringify(prompt));
    const out = join(dir, 'out');
    // Relative input paths resolve against the current folder: the examples name them from the repository root.
    const result = await exitgraph(['run', join(dir, 'prompt.json'), '--out', out, '--device', 'cpu']);
    expect(result.code, result.stderr).toBe(0);
    const again = join(out, 'blend_00001_.png');
    expect(await pixels(again)).toEqual(await pixels(file));
    expect(JSON.parse(readPngText(readFileSync(again)).prompt!)).toEqual(prompt);
  });

  it('runs an output PNG directly (its embedded graph) with the same result', async () => {
    const { file } = await blendOutput();
    const out = folder('from-png');
    const result = await exitgraph(['run', file, '--out', out, '--device', 'cpu']);
    expect(result.code, result.stderr).toBe(0);
    expect(await pixels(join(out, 'blend_00001_.png'))).toEqual(await pixels(file));
  });

  it('applies --set overrides to params and literals before running', async () => {
    const out = folder('set');
    const result = await exitgraph([
      'run',
      example('resize-and-blend.json'),
      '--out',
      out,
      '--device',
      'cpu',
      '--set',
      '5.width=100',
      '--set',
      '5.height=64',
      '--set',
      '6.filename_prefix=sub/custom',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const file = join(out, 'sub', 'custom_00001_.png');
    const image = await pixels(file);
    expect([image.width, image.height]).toEqual([100, 64]);
    const prompt = JSON.parse(readPngText(readFileSync(file)).prompt!) as ApiPrompt;
    expect(prompt['5']!.inputs).toMatchObject({ width: 100, height: 64 });
    expect(prompt['6']!.inputs.filename_prefix).toBe('sub/custom');
  });

  it('exits 1 when a node fails, naming the node, and writes nothing', async () => {
    const out = folder('fail');
    const result = await exitgraph(['run', example('resize-and-blend.json'), '--out', out, '--device', 'cpu', '--set', '1.image=no-such-photo.png']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: node 1 (exitgraph/LoadImage): cannot read image');
    expect(result.stderr).toContain('no-such-photo.png: no such file');
    expect(pngsIn(out)).toEqual([]);
  });

  it('exits 1 with a run-time error such as a crop that does not fit', async () => {
    const result = await exitgraph(['run', example('resize-and-blend.json'), '--out', folder('crop'), '--device', 'cpu', '--set', '5.x=200']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: node 5 (exitgraph/ImageCrop): crop 192x192 at (200, 32) does not fit in the 256x256 image');
  });

  it('prints the result as JSON with --json', async () => {
    const out = folder('json');
    const result = await exitgraph(['run', example('label-map-preview.json'), '--out', out, '--device', 'cpu', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { status: string; files: string[] };
    expect(report.status).toBe('success');
    expect(report.files).toEqual([join(out, 'labels_00001_.png')]);
  });

  it('exits 2 on bad arguments or an invalid graph, running nothing', async () => {
    const notJson = join(folder('not-json'), 'g.json');
    writeFileSync(notJson, '{ "1": ');
    const blendGraph = example('resize-and-blend.json');
    const cases: [string, string[], string][] = [
      ['an unknown option', ['run', blendGraph, '--bogus'], "unknown option '--bogus'"],
      ['an unknown device', ['run', blendGraph, '--device', 'tpu'], 'tpu'],
      ['an override of a node that does not exist', ['run', blendGraph, '--set', '99.width=3'], 'the graph has no node 99'],
      ['a malformed override', ['run', blendGraph, '--set', 'width=3'], 'expected <node id>.<input>=<value>'],
      ['an override that breaks the schema', ['run', blendGraph, '--set', '3.width=0'], 'node 3 (exitgraph/ImageResize): param "width" must be >= 1'],
      ['an invalid graph', ['run', fiveProblems], 'graph is invalid; nothing was run'],
      ['a missing graph file', ['run', join(tmp, 'nope.json')], 'no such file'],
      ['a graph file that is not JSON', ['run', notJson], 'is not valid JSON'],
      ['an unknown command', ['frobnicate'], "unknown command 'frobnicate'"],
    ];
    // Independent processes: start them together.
    const outs = cases.map(([what]) => folder(what.replace(/\W+/g, '-')));
    const results = await Promise.all(cases.map(([, args], i) => exitgraph([...args, ...(args[0] === 'run' ? ['--out', outs[i]!] : [])])));
    results.forEach((result, i) => {
      const [what, , message] = cases[i]!;
      expect(result.code, `${what}: ${result.stderr}`).toBe(2);
      expect(result.stderr, what).toContain(message);
      expect(pngsIn(outs[i]!), what).toEqual([]);
    });
  });

  it('stops cleanly on Ctrl-C (SIGINT): the running node sees the abort, exit code 130', async () => {
    let sent = false;
    const result = await exitgraph(['--plugin', plugin('wait-pack.js'), 'run', join(root, 'test', 'fixtures', 'graphs', 'wait-for-cancel.json'), '--out', folder('sigint'), '--device', 'cpu'], {
      onStderr: (text, child) => {
        if (!sent && text.includes('waiting for cancel')) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('interrupted: stopping the run');
  });
});

describe('exitgraph validate', () => {
  it('prints all five problems of the five-problem graph with their node ids and exits 2', async () => {
    const result = await exitgraph(['validate', fiveProblems]);
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('  node '));
    expect(lines).toHaveLength(5);
    expect(result.stderr).toContain('5 problems');
    const expected = [
      ['2', 'unknown_type', 'did you mean exitgraph/LoadImage?'],
      ['3', 'missing_input', 'required input "image"'],
      ['4', 'type_mismatch', 'input "b" expects IMAGE but node 5 output "value" gives NUMBER'],
      ['5', 'invalid_param', 'param "value" must be number'],
      ['6', 'unknown_param', 'unknown param "prefix"'],
    ];
    expected.forEach(([id, kind, text], i) => {
      expect(lines[i]).toMatch(new RegExp(`^  node ${id} \\(`));
      expect(lines[i]).toContain(`[${kind}]`);
      expect(lines[i]).toContain(text);
    });
  });

  it('prints the problems as JSON with --json', async () => {
    const result = await exitgraph(['validate', fiveProblems, '--json']);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as { valid: boolean; problems: { kind: string; nodeId: string }[] };
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.nodeId, p.kind])).toEqual([
      ['2', 'unknown_type'],
      ['3', 'missing_input'],
      ['4', 'type_mismatch'],
      ['5', 'invalid_param'],
      ['6', 'unknown_param'],
    ]);
  });

  it.each(examples)('accepts %s and exits 0', async (name) => {
    const result = await exitgraph(['validate', example(name)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('valid (api format');
  });
});

describe('exitgraph nodes', () => {
  it('--json prints every node type with its inputs, outputs and params schema', async () => {
    const result = await exitgraph(['nodes', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const nodes = JSON.parse(result.stdout) as { id: string; version: number; inputs: object; outputs: object; params: { type: string; properties: object } }[];
    expect(Array.isArray(nodes)).toBe(true);
    const ids = nodes.map((n) => n.id);
    for (const id of ['LoadImage', 'SaveImage', 'PreviewImage', 'LoadLabelMap', 'ImageResize', 'ImageCrop', 'ImageBlend', 'Number', 'String', 'Boolean', 'Math', 'SwitchImage']) {
      expect(ids).toContain(`exitgraph/${id}`);
    }
    for (const node of nodes) {
      expect(node, node.id).toMatchObject({ version: expect.any(Number), inputs: expect.any(Object), outputs: expect.any(Object), params: { type: 'object', properties: expect.any(Object) } });
    }
    const resize = nodes.find((n) => n.id === 'exitgraph/ImageResize')!;
    expect(resize.inputs).toEqual({ image: { type: 'IMAGE' } });
    expect(resize.outputs).toEqual({ image: { type: 'IMAGE' } });
    expect(resize.params.properties).toMatchObject({ width: { type: 'integer', minimum: 1 }, method: { enum: ['nearest', 'linear', 'cubic', 'lanczos3'] } });
  });

  it('prints a readable list without --json', async () => {
    const result = await exitgraph(['nodes']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('exitgraph/ImageBlend@1');
    expect(result.stdout).toMatch(/in: a: IMAGE, b: IMAGE/);
  });
});

describe('exitgraph convert', () => {
  it('converts an example to a workflow that runs to the same pixels, embedding the workflow', async () => {
    const dir = folder('convert');
    const workflowFile = join(dir, 'blend.workflow.json');
    const converted = await exitgraph(['convert', example('resize-and-blend.json'), '--to', 'workflow', '-o', workflowFile]);
    expect(converted.code, converted.stderr).toBe(0);
    const workflow = JSON.parse(readFileSync(workflowFile, 'utf8')) as { nodes: { type: string; properties: { params: object } }[]; links: unknown[] };
    expect(workflow.nodes).toHaveLength(6);
    expect(workflow.links).toHaveLength(5);
    expect(workflow.nodes.find((n) => n.type === 'exitgraph/ImageBlend')!.properties.params).toEqual({ factor: 0.35, mode: 'multiply' });

    const out = join(dir, 'out');
    const result = await exitgraph(['run', workflowFile, '--out', out, '--device', 'cpu']);
    expect(result.code, result.stderr).toBe(0);
    const file = join(out, 'blend_00001_.png');
    expect(await pixels(file)).toEqual(await pixels((await blendOutput()).file));
    expect(JSON.parse(readPngText(readFileSync(file)).workflow!)).toEqual(workflow);

    // And back to the API format (on stdout), versions pinned.
    const back = await exitgraph(['convert', workflowFile, '--to', 'api']);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toEqual((await blendOutput()).prompt);
  });

  it('requires --to', async () => {
    expect((await exitgraph(['convert', example('resize-and-blend.json')])).code).toBe(2);
  });

  it('refuses a file that is not a graph, naming it and its problem, and writes nothing', async () => {
    const dir = folder('convert-not-a-graph');
    // What a server answers for an unknown example: valid JSON, not a graph.
    const notAGraph = join(dir, 'answer.json');
    writeFileSync(notAGraph, JSON.stringify({ error: { type: 'not_found', message: 'no example named "x"' } }));
    const target = join(dir, 'out.json');
    const result = await exitgraph(['convert', notAGraph, '--to', 'api', '-o', target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(notAGraph);
    expect(result.stderr).toContain('node error: needs a string "class_type"');
    expect(existsSync(target)).toBe(false);

    const empty = join(dir, 'empty.json');
    writeFileSync(empty, '{}');
    const none = await exitgraph(['convert', empty, '--to', 'workflow']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('the graph has no nodes');
    expect(none.stdout).toBe('');
  });
});

describe('--help and --version', () => {
  it('--help on every command exits 0 with its usage', async () => {
    const commands = [[], ['run'], ['validate'], ['nodes'], ['convert']];
    const results = await Promise.all(commands.map((command) => exitgraph([...command, '--help'])));
    results.forEach((result, i) => {
      const command = commands[i]!;
      expect(result.code, command.join(' ')).toBe(0);
      expect(result.stdout).toContain(`Usage: exitgraph ${command.length ? `${command[0]} ` : ''}`);
    });
    expect(results[1]!.stdout).toContain('Exit codes: 0 ok, 1 the run failed, 2 invalid graph or arguments');
  });

  it('--version prints the package version', async () => {
    const result = await exitgraph(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });
});

describe('plugins from the command line', () => {
  it('--plugin loads a pack that imports the SDK as "exitgraph"', async () => {
    const result = await exitgraph(['--plugin', plugin('folder-pack'), 'nodes', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const nodes = JSON.parse(result.stdout) as { id: string; origin: string }[];
    expect(nodes.find((n) => n.id === 'folder/Double')).toMatchObject({ origin: 'exitgraph-folder-pack' });
  });

  it('hands a plugin the host\'s own SDK: it tells the host\'s errors by their SDK classes', async () => {
    // bin/exitgraph.js runs the bundle in dist/cli/ when it is current; ensureBuilt makes it so.
    expect(statSync(join(root, 'dist', 'cli', 'main.js')).mtimeMs).toBeGreaterThanOrEqual(statSync(join(root, 'dist', 'bin', 'cli', 'main.js')).mtimeMs);
    const result = await exitgraph(['--plugin', plugin('sdk-identity-pack.js'), 'run', join(root, 'test', 'fixtures', 'graphs', 'write-twice.json'), '--out', folder('identity'), '--device', 'cpu', '--json']);
    expect(result.code, result.stderr).toBe(0);
    // With a second copy of the SDK, the host's OutputExistsError is not the plugin's class.
    expect((JSON.parse(result.stdout) as { ui: Record<string, { second_write: string }> }).ui['1']!.second_write).toBe('OutputExistsError');
  });

  it('warns about a broken pack by name and loads the rest', async () => {
    const result = await exitgraph(['--plugin', plugin('broken-throws.js'), '--plugin', plugin('broken-override.js'), '--plugin', plugin('folder-pack'), 'nodes', '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: plugin ${plugin('broken-throws.js')} not loaded: broken-throws exploded on import`);
    expect(result.stderr).toContain('warning: plugin broken-override not loaded: pack broken-override cannot override built-in node type exitgraph/LoadImage');
    const ids = (JSON.parse(result.stdout) as { id: string }[]).map((n) => n.id);
    expect(ids).toContain('folder/Double');
    expect(ids).not.toContain('override/Innocent');
  });

  it('discovers installed packages and exitgraph.config.json plugins in the working folder', async () => {
    const project = folder('project');
    cpSync(plugin('folder-pack'), join(project, 'node_modules', 'exitgraph-folder-pack'), { recursive: true });
    writeFileSync(join(project, 'exitgraph.config.json'), JSON.stringify({ plugins: [plugin('module-pack.js')] }));
    const result = await exitgraph(['nodes', '--json'], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    const nodes = JSON.parse(result.stdout) as { id: string; origin: string }[];
    expect(nodes.find((n) => n.id === 'folder/Double')).toMatchObject({ origin: 'exitgraph-folder-pack' });
    expect(nodes.find((n) => n.id === 'modpack/MakeColor')).toMatchObject({ origin: 'module-pack' });
  });
});
