import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { getJson, postJson, solidPrompt, startTestServer, WsRecorder, type Harness } from './server-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startTestServer();
});
afterAll(async () => {
  await h?.stop();
});

async function waitForHistory(id: string, timeoutMs = 30_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { json } = await getJson(`${h.url}/history/${id}`);
    if (json[id]) return json[id];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`prompt ${id} did not finish`);
}

async function pixelOf(image: { filename: string; subfolder: string; type: string }): Promise<number[]> {
  const query = new URLSearchParams({ filename: image.filename, subfolder: image.subfolder, type: image.type });
  const response = await fetch(`${h.url}/view?${query}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  const { data } = await sharp(Buffer.from(await response.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
  return [data[0]!, data[1]!, data[2]!];
}

describe('ComfyUI-compatible prompt API', () => {
  it('answers /system_stats and /object_info in ComfyUI shape', async () => {
    const stats = await getJson(`${h.url}/system_stats`);
    expect(stats.status).toBe(200);
    expect(stats.json.system.comfyui_version).toMatch(/^exitgraph /);
    expect(stats.json.devices[0].type).toBe('cpu');

    const info = await getJson(`${h.url}/object_info`);
    const solid = info.json['test/Solid'];
    expect(solid.input.required.width).toEqual(['INT', { default: 16, min: 1, max: 512, step: 1 }]);
    expect(solid.output).toEqual(['IMAGE']);
    expect(solid.output_name).toEqual(['image']);
    expect(solid.display_name).toBe('Solid Colour');
    expect(info.json['test/Save'].output_node).toBe(true);
    expect(info.json['test/Save'].input.required.image).toEqual(['IMAGE', {}]);

    // Newer ComfyUI clients use the /api prefix.
    expect((await getJson(`${h.url}/api/object_info`)).json['test/Solid']).toEqual(solid);
  });

  it('serves /api/nodes with params schemas and port types', async () => {
    const { json } = await getJson(`${h.url}/api/nodes`);
    const solid = json.nodes.find((n: any) => n.id === 'test/Solid');
    expect(solid.params.properties.r).toMatchObject({ type: 'integer', maximum: 255 });
    expect(json.ports.find((p: any) => p.name === 'NUMBER').accepts).toEqual(['INT']);
  });

  it('rejects an invalid graph with HTTP 400 and every problem per node', async () => {
    const { status, json } = await postJson(`${h.url}/prompt`, {
      prompt: {
        '1': { class_type: 'test/Solid', inputs: { r: 300, colour: 'red' } },
        '2': { class_type: 'test/Save', inputs: {} },
        '3': { class_type: 'test/Nope', inputs: {} },
        '4': { class_type: 'test/Save', inputs: { image: ['9', 0] } },
      },
    });
    expect(status).toBe(400);
    expect(json.error.type).toBe('prompt_outputs_failed_validation');
    expect(Object.keys(json.node_errors).sort()).toEqual(['1', '2', '3', '4']);
    expect(json.node_errors['1'].class_type).toBe('test/Solid');
    expect(json.node_errors['1'].errors.map((e: any) => e.details).sort()).toEqual(['colour', 'r']);
    expect(json.node_errors['2'].errors[0]).toMatchObject({ type: 'missing_input', details: 'image', extra_info: { input_name: 'image' } });
    expect(json.node_errors['2'].dependent_outputs).toEqual(['2']);
    expect(json.node_errors['3'].errors[0].message).toMatch(/unknown node type/);
    expect(json.node_errors['4'].errors[0].type).toBe('dangling_link');
  });

  it('rejects a prompt without outputs, a missing prompt and a body that is not JSON', async () => {
    const none = await postJson(`${h.url}/prompt`, { prompt: { '1': { class_type: 'test/Solid', inputs: {} } } });
    expect(none.status).toBe(400);
    expect(none.json.error.type).toBe('prompt_no_outputs');
    const missing = await postJson(`${h.url}/prompt`, { client_id: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.json.error.type).toBe('no_prompt');
    const broken = await fetch(`${h.url}/prompt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt": ' });
    expect(broken.status).toBe(400);
    const rejection = (await broken.json()) as { error?: { message?: string } };
    expect(rejection.error?.message).toBeTruthy();
  });

  it('serves a ComfyUI client: queue, follow /ws until executing null, read /history, fetch /view', async () => {
    const ws = await WsRecorder.connect(h.url, 'comfy-client');
    try {
      const status = await ws.next((m) => m.type === 'status');
      expect(status.data.sid).toBe('comfy-client');
      const queued = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([10, 200, 30], 'flow'), client_id: 'comfy-client' });
      expect(queued.status).toBe(200);
      expect(queued.json).toMatchObject({ prompt_id: expect.any(String), number: expect.any(Number), node_errors: {} });
      const id = queued.json.prompt_id;

      await ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === id);
      const types = ws.messages.filter((m) => m.data.prompt_id === id).map((m) => m.type);
      expect(types[0]).toBe('execution_start');
      expect(types).toContain('executed');
      expect(types.indexOf('execution_success')).toBe(types.length - 2);
      const executed = ws.messages.find((m) => m.type === 'executed' && m.data.prompt_id === id)!;
      expect(executed.data.node).toBe('2');

      const { json: history } = await getJson(`${h.url}/history/${id}`);
      const entry = history[id];
      expect(entry.status).toMatchObject({ status_str: 'success', completed: true });
      expect(entry.prompt[1]).toBe(id);
      const image = entry.outputs['2'].images[0];
      expect(image).toMatchObject({ type: 'output', subfolder: '' });
      expect(await pixelOf(image)).toEqual([10, 200, 30]);
    } finally {
      ws.close();
    }
  });

  it('runs 20 concurrent prompts in order, with no lost or mixed-up outputs', async () => {
    const colours = Array.from({ length: 20 }, (_, i) => [i * 12, 255 - i * 12, (i * 37) % 256] as [number, number, number]);
    const answers = await Promise.all(colours.map((c, i) => postJson(`${h.url}/prompt`, { prompt: solidPrompt(c, `many${i}`) })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const ids = answers.map((a) => a.json.prompt_id as string);
    expect(new Set(ids).size).toBe(20);
    expect(new Set(answers.map((a) => a.json.number)).size).toBe(20);
    const entries = await Promise.all(ids.map((id) => waitForHistory(id)));
    for (const [i, entry] of entries.entries()) {
      expect(entry.status.status_str).toBe('success');
      const image = entry.outputs['2'].images[0];
      expect(image.filename).toBe(`many${i}_1.png`);
      expect(await pixelOf(image)).toEqual(colours[i]);
    }
  });

  it('fails the prompt, not the server, when a node throws', async () => {
    const ws = await WsRecorder.connect(h.url, 'fail-client');
    try {
      const prompt = { '1': { class_type: 'test/Solid', inputs: {} }, '2': { class_type: 'test/Fail', inputs: { image: ['1', 0] } }, '3': { class_type: 'test/Save', inputs: { image: ['2', 0] } } };
      const { json } = await postJson(`${h.url}/prompt`, { prompt, client_id: 'fail-client' });
      const error = await ws.next((m) => m.type === 'execution_error' && m.data.prompt_id === json.prompt_id);
      expect(error.data).toMatchObject({ node_id: '2', node_type: 'test/Fail', exception_message: expect.stringContaining('failing on purpose') });
      await ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === json.prompt_id);
      const entry = (await getJson(`${h.url}/history/${json.prompt_id}`)).json[json.prompt_id];
      expect(entry.status).toMatchObject({ status_str: 'error', completed: false });

      const after = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([1, 2, 3], 'after-fail') });
      expect((await waitForHistory(after.json.prompt_id)).status.status_str).toBe('success');
    } finally {
      ws.close();
    }
  });

  it('interrupts a running prompt and goes on with the next', async () => {
    const ws = await WsRecorder.connect(h.url, 'interrupt-client');
    try {
      const prompt = { '1': { class_type: 'test/Solid', inputs: {} }, '2': { class_type: 'test/Slow', inputs: { image: ['1', 0], ms: 20_000, steps: 200 } }, '3': { class_type: 'test/Save', inputs: { image: ['2', 0] } } };
      const slow = await postJson(`${h.url}/prompt`, { prompt, client_id: 'interrupt-client' });
      const next = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([9, 9, 9], 'after-interrupt'), client_id: 'interrupt-client' });
      await ws.next((m) => m.type === 'progress' && m.data.prompt_id === slow.json.prompt_id && m.data.node === '2');

      const queue = (await getJson(`${h.url}/queue`)).json;
      expect(queue.queue_running[0][1]).toBe(slow.json.prompt_id);
      expect(queue.queue_pending.map((row: any[]) => row[1])).toEqual([next.json.prompt_id]);

      const started = Date.now();
      expect((await postJson(`${h.url}/interrupt`, {})).json.interrupted).toBe(true);
      const interrupted = await ws.next((m) => m.type === 'execution_interrupted' && m.data.prompt_id === slow.json.prompt_id);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(interrupted.data).toMatchObject({ node_id: '2', node_type: 'test/Slow' });
      expect((await waitForHistory(slow.json.prompt_id)).status.status_str).toBe('error');
      expect((await waitForHistory(next.json.prompt_id)).status.status_str).toBe('success');
    } finally {
      ws.close();
    }
  });

  it('deletes and clears pending prompts with POST /queue', async () => {
    const slowPrompt = { '1': { class_type: 'test/Solid', inputs: {} }, '2': { class_type: 'test/Slow', inputs: { image: ['1', 0], ms: 20_000 } }, '3': { class_type: 'test/Save', inputs: { image: ['2', 0] } } };
    const running = await postJson(`${h.url}/prompt`, { prompt: slowPrompt });
    const a = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([1, 1, 1], 'qa') });
    const b = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([2, 2, 2], 'qb') });
    const c = await postJson(`${h.url}/prompt`, { prompt: solidPrompt([3, 3, 3], 'qc'), front: true });
    let pending = (await getJson(`${h.url}/queue`)).json.queue_pending.map((row: any[]) => row[1]);
    expect(pending).toEqual([c.json.prompt_id, a.json.prompt_id, b.json.prompt_id]);

    await postJson(`${h.url}/queue`, { delete: [a.json.prompt_id] });
    pending = (await getJson(`${h.url}/queue`)).json.queue_pending.map((row: any[]) => row[1]);
    expect(pending).toEqual([c.json.prompt_id, b.json.prompt_id]);
    await postJson(`${h.url}/queue`, { clear: true });
    expect((await getJson(`${h.url}/queue`)).json.queue_pending).toEqual([]);
    await postJson(`${h.url}/interrupt`, { prompt_id: running.json.prompt_id });
    await waitForHistory(running.json.prompt_id);
    // Prompts taken off the queue never ran; their history entry says so.
    for (const [id, reason] of [[a.json.prompt_id, 'deleted from the queue'], [b.json.prompt_id, 'the queue was cleared']]) {
      const entry = (await getJson(`${h.url}/history/${id}`)).json[id];
      expect(entry.status).toMatchObject({ status_str: 'error', completed: false });
      expect(entry.status.messages[0]).toEqual(['execution_interrupted', expect.objectContaining({ prompt_id: id, reason })]);
      expect(entry.outputs).toEqual({});
    }
  });

  it('runs an editor workflow posted as the prompt, with previews as binary frames', async () => {
    const ws = await WsRecorder.connect(h.url, 'editor-client');
    try {
      ws.socket.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      const workflow = {
        last_node_id: 2, last_link_id: 1, groups: [], config: {}, extra: {}, version: 0.4,
        nodes: [
          { id: 1, type: 'test/Solid', pos: [0, 0], size: [200, 100], flags: {}, order: 0, mode: 0, inputs: [], outputs: [{ name: 'image', type: 'IMAGE', links: [1], slot_index: 0 }], properties: { params: { r: 255 }, version: 1 } },
          { id: 2, type: 'test/Preview', pos: [300, 0], size: [200, 100], flags: {}, order: 1, mode: 0, inputs: [{ name: 'image', type: 'IMAGE', link: 1 }], outputs: [], properties: { params: {}, version: 1 } },
        ],
        links: [[1, 1, 0, 2, 0, 'IMAGE']],
      };
      await new Promise((r) => setTimeout(r, 50));
      const { status, json } = await postJson(`${h.url}/prompt`, { prompt: workflow, client_id: 'editor-client' });
      expect(status).toBe(200);
      await ws.next((m) => m.type === 'executing' && m.data.node === null && m.data.prompt_id === json.prompt_id);
      expect(ws.binary.length).toBe(1);
      const frame = ws.binary[0]!;
      expect(frame.readUInt32BE(0)).toBe(4);
      const metaLength = frame.readUInt32BE(4);
      const meta = JSON.parse(frame.subarray(8, 8 + metaLength).toString());
      expect(meta).toMatchObject({ node_id: '2', prompt_id: json.prompt_id, image_type: 'image/png' });
      const { info } = await sharp(frame.subarray(8 + metaLength)).raw().toBuffer({ resolveWithObject: true });
      expect(info.width).toBe(16);
      const timing = ws.messages.filter((m) => m.type === 'exitgraph.node_done' && m.data.prompt_id === json.prompt_id);
      expect(timing.map((m) => m.data.node).sort()).toEqual(['1', '2']);
    } finally {
      ws.close();
    }
  });
});
