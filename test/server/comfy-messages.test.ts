import { describe, expect, it } from 'vitest';
import { ComfyRunReporter } from '../../editor/server/comfy-messages.js';

const image = { filename: 'a.png', subfolder: '', type: 'output' };

describe('ComfyRunReporter', () => {
  it('holds messages back until released, then sends one execution_cached with every cached node found, their outputs, and what was held', () => {
    const reporter = new ComfyRunReporter('p1', (id) => id === '4');
    expect(reporter.translate({ type: 'run:start', runId: 'r', device: 'cpu', nodes: ['4', '5', '6'] }).map((m) => m.type)).toEqual(['execution_start']);
    const ui = { images: [image], exit: 'exit2' };
    expect(reporter.translate({ type: 'node:cached', runId: 'r', nodeId: '4', classType: 'test/Save', ui })).toEqual([]);
    expect(reporter.translate({ type: 'node:cached', runId: 'r', nodeId: '5', classType: 'test/Value', ui: { macs: 3 } })).toEqual([]);
    expect(reporter.translate({ type: 'node:start', runId: 'r', nodeId: '6', classType: 'test/Solid' })).toEqual([]);
    const messages = reporter.release();
    expect(messages.map((m) => m.type)).toEqual(['execution_cached', 'executed', 'exitgraph.node_cached', 'exitgraph.node_cached', 'executing']);
    expect(reporter.release()).toEqual([]);
    // Found after the release: a list of its own.
    expect(reporter.translate({ type: 'node:cached', runId: 'r', nodeId: '7', classType: 'test/Value' }).map((m) => [m.type, m.data.nodes])).toEqual([['execution_cached', ['7']]]);
    expect(messages[0]!.data.nodes).toEqual(['4', '5']);
    // Only the output node's list-valued ui is ComfyUI's output; the rest is exitgraph's own.
    expect(messages[1]!.data).toEqual({ node: '4', display_node: '4', output: { images: [image] }, prompt_id: 'p1' });
    expect(messages[3]!.data).toEqual({ node: '5', ui: { macs: 3 }, prompt_id: 'p1' });
  });

  it('sends an empty execution_cached when nothing was cached, and executed only for output nodes', () => {
    const reporter = new ComfyRunReporter('p1', (id) => id === '2');
    reporter.translate({ type: 'run:start', runId: 'r', device: 'cpu', nodes: ['1', '2'] });
    reporter.translate({ type: 'node:start', runId: 'r', nodeId: '1', classType: 'test/Estimator' });
    expect(reporter.release().map((m) => [m.type, m.data.nodes ?? m.data.node])).toEqual([['execution_cached', []], ['executing', '1']]);
    const estimator = reporter.translate({ type: 'node:done', runId: 'r', nodeId: '1', classType: 'test/Estimator', ms: 1, ui: { predicted: [0.1, 0.2] } });
    expect(estimator.map((m) => m.type)).toEqual(['exitgraph.node_done']);
    const saver = reporter.translate({ type: 'node:done', runId: 'r', nodeId: '2', classType: 'test/Save', ms: 1, ui: { images: [image], macs: 5 } });
    expect(saver.map((m) => m.type)).toEqual(['executed', 'exitgraph.node_done']);
    expect(saver[0]!.data.output).toEqual({ images: [image] });
    expect(saver[1]!.data.ui).toEqual({ images: [image], macs: 5 });
  });
});
