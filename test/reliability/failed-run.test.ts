/**
 * The rule for files of a run that does not succeed: output nodes that finished before another
 * branch failed have their files removed (and their ui dropped), so a failed run never leaves a
 * partial set of outputs that looks complete; `filesOnFailure: 'keep'` keeps them.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeRegistry, defineNode, definePack, localWorkspace, parseApiPrompt, registerPack, runGraph, validateGraph } from '../../sdk/index.js';
import { builtinPacks } from '../../nodes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'exitgraph-failed-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fails once the output folder holds a file: i.e. after the other branch has saved. */
const failAfterSave = defineNode({
  id: 'check/FailAfterSave',
  version: 1,
  title: 'Fail after save',
  category: 'test',
  description: 'Waits for a file in the output folder, then fails.',
  inputs: {},
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: {} },
  cacheable: false,
  run: async (ctx) => {
    while (!existsSync(ctx.workspace.outputDir) || readdirSync(ctx.workspace.outputDir).filter((f) => f.endsWith('.png')).length === 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('this branch failed late');
  },
});

const registry = new NodeRegistry();
for (const pack of builtinPacks) registerPack(pack, registry, true);
registerPack(definePack({ name: 'check', nodes: [failAfterSave] }), registry);

const prompt = {
  '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 2, height: 2 } },
  '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
  '3': { class_type: 'exitgraph/SaveImage', inputs: { image: ['2', 0], filename_prefix: 'kept' } },
  '4': { class_type: 'check/FailAfterSave', inputs: {} },
  '5': { class_type: 'exitgraph/SaveImage', inputs: { image: ['4', 0], filename_prefix: 'never' } },
};

describe('a run that fails after one branch saved its file', () => {
  it('removes that file and its ui by default', async () => {
    const out = join(dir, 'remove');
    const graph = validateGraph(parseApiPrompt(prompt).graph, registry).graph!;
    const events: string[] = [];
    const run = await runGraph(graph, { workspace: localWorkspace(dir, out), onEvent: (e) => e.type === 'node:log' && events.push(e.message) });
    expect(run.status).toBe('error');
    expect(run.error?.message).toContain('this branch failed late');
    expect(run.executed).toContain('3');
    expect(readdirSync(out)).toEqual([]);
    expect(run.ui['3']).toBeUndefined();
    expect(events).toContain('removed the 1 file this node wrote: the run did not succeed');
  });

  it("keeps it with filesOnFailure: 'keep'", async () => {
    const out = join(dir, 'keep');
    const graph = validateGraph(parseApiPrompt(prompt).graph, registry).graph!;
    const run = await runGraph(graph, { workspace: localWorkspace(dir, out), filesOnFailure: 'keep' });
    expect(run.status).toBe('error');
    expect(readdirSync(out)).toEqual(['kept_00001_.png']);
    expect(run.ui['3']).toEqual({ images: [{ filename: 'kept_00001_.png', subfolder: '', type: 'output' }] });
  });
});
