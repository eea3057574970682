/**
 * Big and hostile graphs sent to a real server on loopback: refused quickly with a bounded 400,
 * or run to a history entry; never a 500, never lost, and the server keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, labelChain, postPrompt, raw, startLoopback, type Loopback } from './loopback.js';

let server: Loopback;
beforeAll(async () => {
  server = await startLoopback();
});
afterAll(async () => server?.stop());

describe('POST /prompt with 20,000 nodes', () => {
  it('of unknown types: a bounded 400 listing the first problems and counting all; /system_stats still answers', async () => {
    const prompt: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++) prompt[String(i)] = { class_type: 'nope/Missing', inputs: { x: i ? [String(i - 1), 0] : 1 } };
    const [answer, stats] = await Promise.all([postPrompt(server, prompt), raw(server, { path: '/system_stats' })]);
    expect(answer.status).toBe(400);
    const body = answer.json();
    expect(Object.keys(body.node_errors)).toHaveLength(100);
    // 20,000 unknown types, and no output node.
    expect(body.error.extra_info).toEqual({ problem_count: 20_001, more_problems: 19_901 });
    expect(body.error.details).toContain('... and 19901 more problems');
    expect(answer.bytes).toBeLessThan(100_000);
    expect(stats.status).toBe(200);
  });

  it('as a valid chain: runs to a success entry in the history', async () => {
    const answer = await postPrompt(server, labelChain(20_000));
    expect(answer.status).toBe(200);
    const entry = await historyOf(server, answer.json().prompt_id, 120_000);
    expect(entry.status.status_str).toBe('success');
    expect(entry.outputs['19999'].images).toHaveLength(1);
    expect(server.log.filter((line) => line.includes('internal error') || line.includes('outside'))).toEqual([]);
  });
});

describe('dependent_outputs of a rejection', () => {
  it('lists the output nodes downstream of each failing node, through fan-outs and cycles', async () => {
    const answer = await postPrompt(server, {
      bad: { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 'wide' } },
      left: { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['bad', 0] } },
      right: { class_type: 'exitgraph/ResizeLabelMap', inputs: { label_map: ['bad', 0] } },
      rightColour: { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['right', 0] } },
      out1: { class_type: 'exitgraph/PreviewImage', inputs: { image: ['left', 0] } },
      out2: { class_type: 'exitgraph/PreviewImage', inputs: { image: ['rightColour', 0] } },
      loopA: { class_type: 'exitgraph/ResizeLabelMap', inputs: { label_map: ['loopB', 0], height: -1 } },
      loopB: { class_type: 'exitgraph/ResizeLabelMap', inputs: { label_map: ['loopA', 0] } },
      loopColour: { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['loopB', 0] } },
      out3: { class_type: 'exitgraph/PreviewImage', inputs: { image: ['loopColour', 0] } },
    });
    expect(answer.status).toBe(400);
    const errors = answer.json().node_errors;
    expect(errors.bad.dependent_outputs.sort()).toEqual(['out1', 'out2']);
    expect(errors.loopA.dependent_outputs).toEqual(['out3']);
  });
});

describe('POST /prompt with hostile names and values', () => {
  for (const id of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`node id "${id}": invalid -> 400 naming it; valid -> runs`, async () => {
      const bad = JSON.parse(`{"prompt": {"${id}": {"class_type": "nope/Missing", "inputs": {}}}}`) as { prompt: unknown };
      const refused = await postPrompt(server, bad.prompt);
      expect(refused.status).toBe(400);
      expect(Object.keys(refused.json().node_errors)).toEqual([id]);
      expect(refused.json().node_errors[id].errors[0].type).toBe('unknown_type');

      const accepted = await postPrompt(server, labelChain(4, (i) => (i === 1 ? id : `n${i}`)));
      expect(accepted.status).toBe(200);
      expect((await historyOf(server, accepted.json().prompt_id)).status.status_str).toBe('success');
    });
  }

  for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
    it(`input "${name}": unknown input or param, named`, async () => {
      const prompt = JSON.parse(
        `{"1": {"class_type": "exitgraph/PaintedLabelMap", "inputs": {"${name}": 1}}, "2": {"class_type": "exitgraph/ColorizeLabelMap", "inputs": {"label_map": ["1", 0], "${name}": ["1", 0]}}, "3": {"class_type": "exitgraph/PreviewImage", "inputs": {"image": ["2", 0]}}}`,
      ) as unknown;
      const answer = await postPrompt(server, prompt);
      expect(answer.status).toBe(400);
      const errors = answer.json().node_errors;
      expect(errors['1'].errors[0]).toMatchObject({ type: 'unknown_param', extra_info: { input_name: name } });
      expect(errors['2'].errors[0]).toMatchObject({ type: 'unknown_input', message: `"${name}" is not an input of exitgraph/ColorizeLabelMap (inputs: label_map)` });
    });
  }

  it('a param nested 2,000 levels deep: 400 naming node and param', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 2_000; i++) deep = [deep];
    const answer = await postPrompt(server, { '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { classes: deep } }, '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } }, '3': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['2', 0] } } });
    expect(answer.status).toBe(400);
    expect(answer.json().node_errors['1'].errors[0]).toMatchObject({ type: 'invalid_param', message: 'param "classes" nests arrays or objects deeper than 64 levels' });
    expect((await raw(server, { path: '/system_stats' })).status).toBe(200);
  });
});
