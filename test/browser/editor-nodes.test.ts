/**
 * What nodes show beyond their widgets, in real Chromium against a real server: Load Image's
 * thumbnail, nodes of types not installed, the Interrupt button's feedback, and example graphs
 * laid out without overlapping nodes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FileChooser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserAvailable, graphToPage, newGraph, openEditor, type EditorSession } from './browser-harness.js';

const run = browserAvailable();
let s: EditorSession;
let files: string;

beforeAll(async () => {
  if (!run) return;
  s = await openEditor();
  files = await mkdtemp(join(tmpdir(), 'exitgraph-browser-files-'));
});
afterAll(async () => {
  await s?.stop();
  if (files) await rm(files, { recursive: true, force: true });
});
beforeEach(async () => {
  if (!run) return;
  await newGraph(s.page);
  await s.page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  s.pageErrors.length = 0;
});

/** A workflow node as litegraph saves it. */
function wfNode(id: number, type: string, pos: [number, number], inputs: { name: string; type: string; link: number | null }[], outputs: { name: string; type: string; links: number[] }[], params: Record<string, unknown> = {}) {
  return { id, type, pos, size: [240, 80], flags: {}, order: id, mode: 0, inputs, outputs: outputs.map((o, i) => ({ ...o, slot_index: i })), properties: { params, version: 1 } };
}

function load(workflow: unknown, name: string): Promise<void> {
  return s.page.evaluate(([w, n]) => (window as any).exitgraph.load(w, n), [workflow, name] as const);
}

/** Mean colour of the image shown last on a node. */
function shownColour(nodeId: number): Promise<{ width: number; mean: number[] }> {
  return s.page.evaluate((id) => {
    const img: HTMLImageElement = (window as any).exitgraph.graph.getNodeById(id).runState.images.at(-1);
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const sum = [0, 0, 0];
    for (let p = 0; p < d.length; p += 4) for (let k = 0; k < 3; k++) sum[k]! += d[p + k]!;
    return { width: c.width, mean: sum.map((v) => v / (d.length / 4)) };
  }, nodeId);
}

describe.runIf(run)('what nodes show', () => {
  it('Load Image shows the chosen image as a thumbnail: uploaded from its button, and on loading a workflow', async () => {
    const { page } = s;
    const red = join(files, 'red.png');
    await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 220, g: 30, b: 30 } } }).png().toFile(red);
    await load({ last_node_id: 1, last_link_id: 0, nodes: [wfNode(1, 'exitgraph/LoadImage', [80, 80], [], [{ name: 'image', type: 'IMAGE', links: [] }])], links: [], groups: [], version: 0.4 }, 'thumb');
    // The widget's y is set when litegraph first draws the node: wait for that draw (a busy machine delays it).
    await page.waitForFunction(() => typeof (window as any).exitgraph.graph.getNodeById(1)?.widgets?.find((w: any) => w.type === 'button')?.y === 'number');
    const button = await page.evaluate(() => {
      const node = (window as any).exitgraph.graph.getNodeById(1);
      const widget = node.widgets.find((w: any) => w.type === 'button');
      return [node.pos[0] + node.size[0] / 2, node.pos[1] + widget.y + 10];
    });
    // On a loaded machine litegraph can still be busy with its first frames when the click lands,
    // and a click it has not processed opens nothing: click again, a few times at most, at the
    // button's position read again each time.
    // One listener for all attempts: a chooser that opens late, after its attempt gave up, is
    // still the one (Chromium opens no second chooser while one is open).
    const opened = page.waitForEvent('filechooser', { timeout: 30_000 }).catch(() => undefined);
    let chooser: FileChooser | undefined;
    for (let attempt = 0; attempt < 5 && !chooser; attempt++) {
      const at = await graphToPage(page, button as [number, number]);
      await page.mouse.click(at.x, at.y);
      chooser = await Promise.race([opened, new Promise<undefined>((none) => setTimeout(none, 5000))]);
    }
    chooser ??= await opened;
    expect(chooser, 'clicking the Load Image button opens a file chooser').toBeDefined();
    await chooser!.setFiles(red);
    await page.waitForFunction(() => (window as any).exitgraph.graph.getNodeById(1).runState.images.length > 0);
    expect(await page.evaluate(() => (window as any).exitgraph.graph.getNodeById(1).properties.params.image)).toBe('red.png');
    const shown = await shownColour(1);
    expect(shown.width).toBe(48);
    expect(shown.mean[0]).toBeGreaterThan(200);
    expect(shown.mean[1]).toBeLessThan(50);
    await page.screenshot({ path: join(ARTIFACTS, 'load-image-thumbnail.png') });

    // A saved workflow naming the file shows it as it loads.
    const saved = await page.evaluate(() => (window as any).exitgraph.serialize());
    await newGraph(page);
    await load(saved, 'thumb again');
    await page.waitForFunction(() => (window as any).exitgraph.graph.getNodeById(1)?.runState.images.length > 0);
    expect((await shownColour(1)).mean[0]).toBeGreaterThan(200);
    expect(s.pageErrors).toEqual([]);
  });

  it('draws a node of a type not installed with its type and a message, and running it names node and type', async () => {
    const { page } = s;
    const workflow = {
      last_node_id: 3,
      last_link_id: 2,
      nodes: [
        wfNode(1, 'test/Solid', [40, 80], [], [{ name: 'image', type: 'IMAGE', links: [1] }], { r: 200 }),
        { ...wfNode(2, 'mypack/Sharpen', [340, 80], [{ name: 'image', type: 'IMAGE', link: 1 }], [{ name: 'image', type: 'IMAGE', links: [2] }], { amount: 2 }), title: 'Sharpen' },
        wfNode(3, 'test/Save', [660, 80], [{ name: 'image', type: 'IMAGE', link: 2 }], []),
      ],
      links: [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE']],
      groups: [],
      version: 0.4,
    };
    await load(workflow, 'missing');
    expect(await page.textContent('.toast.error')).toContain('node type mypack/Sharpen is not installed');
    const drawn = await page.evaluate(() => {
      const node = (window as any).exitgraph.graph.getNodeById(2);
      const said: string[] = [];
      const ctx = document.createElement('canvas').getContext('2d')!;
      const fillText = ctx.fillText.bind(ctx);
      ctx.fillText = (text: string, x: number, y: number) => (said.push(text), fillText(text, x, y));
      node.onDrawForeground(ctx);
      return { title: node.title, said, errors: node.has_errors };
    });
    expect(drawn).toEqual({ title: 'Sharpen', said: ['mypack/Sharpen', 'node type mypack/Sharpen is not installed'], errors: true });
    await page.screenshot({ path: join(ARTIFACTS, 'unknown-node.png') });

    // The placeholder keeps what it was saved with, so queueing sends it as it was: the server refuses it by id and type.
    await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
    await page.click('#queue-button');
    await page.waitForSelector('.toast.error');
    expect(await page.textContent('.toast.error')).toBe('the graph cannot run: node #2 (mypack/Sharpen): node type mypack/Sharpen is not installed');
    const refusal = await page.evaluate(() => (window as any).exitgraph.graph.getNodeById(2).refusal);
    expect(refusal).toMatch(/^unknown node type "mypack\/Sharpen(@1)?"$/);
    const saved = await page.evaluate(() => (window as any).exitgraph.serialize().nodes.find((n: any) => n.id === 2));
    expect(saved).toMatchObject({ type: 'mypack/Sharpen', properties: { params: { amount: 2 } } });
    await page.screenshot({ path: join(ARTIFACTS, 'unknown-node-queued.png') });
  });

  it('the Interrupt button says "interrupting…" until the server confirms, then is itself again', async () => {
    const { page } = s;
    const workflow = {
      last_node_id: 3,
      last_link_id: 2,
      nodes: [
        wfNode(1, 'test/Solid', [40, 80], [], [{ name: 'image', type: 'IMAGE', links: [1] }]),
        wfNode(2, 'test/Slow', [340, 80], [{ name: 'image', type: 'IMAGE', link: 1 }], [{ name: 'image', type: 'IMAGE', links: [2] }], { ms: 20_000, steps: 200 }),
        wfNode(3, 'test/Save', [660, 80], [{ name: 'image', type: 'IMAGE', link: 2 }], []),
      ],
      links: [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE']],
      groups: [],
      version: 0.4,
    };
    await load(workflow, 'slow');
    // What the button says and what the server sends, in the order they happen.
    await page.evaluate(() => {
      const log: string[] = ((window as any).interruptLog = []);
      const button = document.getElementById('interrupt-button')!;
      new MutationObserver(() => log.push(`button:${button.textContent}${(button as HTMLButtonElement).disabled ? ' (disabled)' : ''}`)).observe(button, { childList: true, characterData: true, subtree: true, attributes: true });
      (window as any).exitgraph.tracker.onMessage((type: string) => type.startsWith('execution_') && log.push(`server:${type}`));
    });
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).exitgraph.graph.getNodeById(2).runState.phase === 'executing');
    await page.click('#interrupt-button');
    await page.waitForFunction(() => (window as any).interruptLog.includes('server:execution_interrupted') && document.getElementById('interrupt-button')!.textContent === 'Interrupt');
    const log: string[] = await page.evaluate(() => [...new Set((window as any).interruptLog as string[])]);
    const interrupting = log.indexOf('button:interrupting… (disabled)');
    const confirmed = log.indexOf('server:execution_interrupted');
    expect(interrupting).toBeGreaterThanOrEqual(0);
    expect(confirmed).toBeGreaterThan(interrupting);
    // Back to normal only after the confirmation.
    expect(log.slice(interrupting + 1, confirmed).filter((l) => l.startsWith('button:'))).toEqual([]);
    expect(log.slice(confirmed)).toContain('button:Interrupt');
    expect(await page.isEnabled('#interrupt-button')).toBe(true);

    // With nothing running, the button says so and is back at once.
    await page.click('#interrupt-button');
    await page.waitForSelector('.toast:has-text("nothing is running")');
    expect(await page.textContent('#interrupt-button')).toBe('Interrupt');
    expect(s.pageErrors).toEqual([]);
  });

  it('lays out every example graph without overlapping nodes', async () => {
    const { page } = s;
    const examples: { name: string }[] = (await page.evaluate(() => fetch('/api/examples').then((r) => r.json()))).examples;
    expect(examples.length).toBeGreaterThan(3);
    const overlaps: string[] = [];
    for (const { name } of examples) {
      await newGraph(page);
      // As the Examples menu opens one.
      await load(await page.evaluate((n) => fetch(`/api/examples/${n}`).then((r) => r.json()), name), name);
      await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length > 0);
      // Load Image nodes grow to show their file: wait for the thumbnails.
      await page.waitForFunction(() =>
        (window as any).exitgraph.graph.nodes.every((n: any) => !Object.values(n.definition?.params.properties ?? {}).some((p: any) => p['x-widget'] === 'image-file') || n.runState.images.length > 0),
      );
      // Boxes as the editor draws them: the title bar above pos, the body of the computed size,
      // and for output nodes the room their image takes after a run (a square image on a node
      // 240 wide: the editor grows the node by 250).
      const boxes: { id: number; type: string; x0: number; y0: number; x1: number; y1: number }[] = await page.evaluate(() => {
        const { graph } = (window as any).exitgraph;
        const title = 30; // litegraph's NODE_TITLE_HEIGHT
        return graph.nodes.map((n: any) => {
          const [w, h] = [Math.max(n.size[0], n.computeSize()[0]), Math.max(n.size[1], n.computeSize()[1])];
          const image = n.definition?.output ? 250 : 0;
          return { id: n.id, type: n.type, x0: n.pos[0], y0: n.pos[1] - title, x1: n.pos[0] + w, y1: n.pos[1] + h + image };
        });
      });
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const [a, b] = [boxes[i]!, boxes[j]!];
          if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1) overlaps.push(`${name}: #${a.id} ${a.type} overlaps #${b.id} ${b.type}`);
        }
      }
      await page.screenshot({ path: join(ARTIFACTS, `example-layout-${name}.png`) });
    }
    expect(overlaps).toEqual([]);
  });
});
