import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, solidPrompt, startTestServer, type Harness } from './server-harness.js';

const workflow = { last_node_id: 0, last_link_id: 0, nodes: [], links: [], groups: [], config: {}, extra: {}, version: 0.4 };
let h: Harness;
let root: string;
beforeAll(async () => {
  // The shape of the repository's examples/: graphs/ next to the inputs they name.
  root = await mkdtemp(join(tmpdir(), 'exitgraph-examples-'));
  const examples = join(root, 'graphs');
  await mkdir(examples);
  await mkdir(join(root, 'inputs'));
  await writeFile(join(root, 'inputs', 'pic.png'), 'not read by the test');
  await writeFile(join(examples, 'solid.json'), JSON.stringify(solidPrompt([5, 6, 7])));
  // Named relative to the graph file, and from the repository root (the folder above examples/).
  await writeFile(join(examples, 'with-file.json'), JSON.stringify({ '1': { class_type: 'test/Save', inputs: { image: ['2', 0], filename_prefix: '../inputs/pic.png' } }, '2': { class_type: 'test/Solid', inputs: {} } }));
  await writeFile(join(examples, 'from-root.json'), JSON.stringify({ '1': { class_type: 'test/Save', inputs: { image: ['2', 0], filename_prefix: `${basename(root)}/inputs/pic.png` } }, '2': { class_type: 'test/Solid', inputs: {} } }));
  await writeFile(join(examples, 'broken.json'), '{ nope');
  // A folder of frames (what Load Frames reads), and a param that names the examples folder itself.
  await mkdir(join(root, 'inputs', 'frames'));
  for (const frame of ['a.png', 'b.png']) await writeFile(join(root, 'inputs', 'frames', frame), `frame ${frame}`);
  await writeFile(join(examples, 'with-folder.json'), JSON.stringify({ '1': { class_type: 'test/Save', inputs: { image: ['2', 0], filename_prefix: '../inputs/frames' } }, '2': { class_type: 'test/Solid', inputs: {} } }));
  await writeFile(join(examples, 'with-root.json'), JSON.stringify({ '1': { class_type: 'test/Save', inputs: { image: ['2', 0], filename_prefix: '..' } }, '2': { class_type: 'test/Solid', inputs: {} } }));
  h = await startTestServer({ examplesDir: examples });
});
afterAll(async () => {
  await h?.stop();
  await rm(root, { recursive: true, force: true });
});

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${h.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

describe('saved workflows', () => {
  it('creates, lists, reads, updates and deletes', async () => {
    expect((await postJson(`${h.url}/api/workflows`, { name: 'my graph', workflow })).status).toBe(201);
    expect((await postJson(`${h.url}/api/workflows`, { name: 'my graph', workflow })).status).toBe(409);
    const list = await getJson(`${h.url}/api/workflows`);
    expect(list.json.workflows.map((w: any) => w.name)).toEqual(['my graph']);
    expect((await getJson(`${h.url}/api/workflows/my%20graph`)).json).toEqual(workflow);
    const changed = { ...workflow, extra: { note: 'changed' } };
    expect((await send('PUT', '/api/workflows/my%20graph', changed)).status).toBe(200);
    expect((await getJson(`${h.url}/api/workflows/my%20graph`)).json.extra.note).toBe('changed');
    expect((await send('DELETE', '/api/workflows/my%20graph')).status).toBe(204);
    expect((await getJson(`${h.url}/api/workflows/my%20graph`)).status).toBe(404);
    expect((await send('DELETE', '/api/workflows/my%20graph')).status).toBe(404);
  });

  it('refuses names that leave the workflows folder, and bodies that are not workflows', async () => {
    for (const name of ['../escape', '..', '.hidden', 'a/b', '/etc/passwd', '']) {
      expect((await postJson(`${h.url}/api/workflows`, { name, workflow })).status, name).toBe(400);
    }
    expect((await send('PUT', `/api/workflows/${encodeURIComponent('../../escape')}`, workflow)).status).toBe(400);
    expect((await getJson(`${h.url}/api/workflows/${encodeURIComponent('../../../etc/passwd')}`)).status).toBe(400);
    expect((await postJson(`${h.url}/api/workflows`, { name: 'not-a-workflow', workflow: { hello: 1 } })).status).toBe(400);
  });
});

describe('examples and conversions', () => {
  it('lists the examples and answers each as an editor workflow', async () => {
    const { json } = await getJson(`${h.url}/api/examples`);
    expect(json.examples.map((e: any) => e.name)).toEqual(['broken', 'from-root', 'solid', 'with-file', 'with-folder', 'with-root']);
    const solid = await getJson(`${h.url}/api/examples/solid`);
    expect(solid.json.nodes.map((n: any) => n.type)).toEqual(['test/Solid', 'test/Save']);
    expect(solid.json.nodes[0].properties.params).toMatchObject({ r: 5, g: 6, b: 7 });
    expect(solid.json.links).toHaveLength(1);
    expect((await getJson(`${h.url}/api/examples/broken`)).status).toBe(500);
    expect((await getJson(`${h.url}/api/examples/missing`)).status).toBe(404);
    expect((await getJson(`${h.url}/api/examples/..%2Fsecret`)).status).toBe(400);
  });

  it('copies the files an example names into the workspace and points its params there', async () => {
    const { json } = await getJson(`${h.url}/api/examples/with-file`);
    const save = json.nodes.find((n: any) => n.type === 'test/Save');
    expect(save.properties.params.filename_prefix).toBe('examples/inputs/pic.png');
    expect(await readFile(join(h.workspace, 'input', 'examples', 'inputs', 'pic.png'), 'utf8')).toBe('not read by the test');
    const fromRoot = (await getJson(`${h.url}/api/examples/from-root`)).json;
    expect(fromRoot.nodes.find((n: any) => n.type === 'test/Save').properties.params.filename_prefix).toBe('examples/inputs/pic.png');
  });

  it('copies a folder an example names (frames) with its files, but never the examples folder itself', async () => {
    const { json } = await getJson(`${h.url}/api/examples/with-folder`);
    expect(json.nodes.find((n: any) => n.type === 'test/Save').properties.params.filename_prefix).toBe('examples/inputs/frames');
    expect(await readFile(join(h.workspace, 'input', 'examples', 'inputs', 'frames', 'b.png'), 'utf8')).toBe('frame b.png');
    const rooted = (await getJson(`${h.url}/api/examples/with-root`)).json;
    expect(rooted.nodes.find((n: any) => n.type === 'test/Save').properties.params.filename_prefix).toBe('..');
  });

  it('converts an API prompt to a workflow and validates graphs', async () => {
    const converted = await postJson(`${h.url}/api/graph/workflow`, solidPrompt([1, 1, 1]));
    expect(converted.json.nodes).toHaveLength(2);
    const invalid = await postJson(`${h.url}/api/graph/validate`, { '1': { class_type: 'test/Save', inputs: {} } });
    expect(invalid.json.valid).toBe(false);
    expect(invalid.json.node_errors['1'].errors[0].type).toBe('missing_input');
  });

  it('answers unknown API paths with JSON 404', async () => {
    const { status, json } = await getJson(`${h.url}/api/nothing-here`);
    expect(status).toBe(404);
    expect(json.error.type).toBe('not_found');
  });
});
