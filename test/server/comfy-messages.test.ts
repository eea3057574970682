import { describe, expect, it } from 'vitest';
import { ComfyRunReporter } from '../../editor/server/comfy-messages.js';

describe('ComfyRunReporter', () => {
  it('sends a cached node\'s ui again as "executed", after execution_cached', () => {
    const reporter = new ComfyRunReporter('p1');
    const ui = { images: [{ filename: 'a.png', subfolder: '', type: 'output' }], exit: 'exit2' };
    const messages = reporter.translate({ type: 'node:cached', runId: 'r', nodeId: '4', classType: 'test/Gen', ui });
    expect(messages.map((m) => m.type)).toEqual(['execution_cached', 'executed']);
    expect(messages[1]!.data).toEqual({ node: '4', display_node: '4', output: ui, prompt_id: 'p1' });
    expect(reporter.translate({ type: 'node:cached', runId: 'r', nodeId: '5', classType: 'test/Value' }).map((m) => m.type)).toEqual(['execution_cached']);
  });
});
