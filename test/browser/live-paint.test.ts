/**
 * Live painting in real Chromium against a real server with the shipped landscape pack: each
 * stroke in the painter runs the graph with live previews, the pane beside the painting shows the
 * cheapest exit first, and once painting pauses the same run reaches the planned exit.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserAvailable, graphToPage, openEditor, type EditorSession } from './browser-harness.js';

const run = browserAvailable();
let s: EditorSession;

beforeAll(async () => {
  if (run) s = await openEditor();
});
afterAll(async () => {
  await s?.stop();
});

/** Painted map -> estimator -> fixed router (planned exit3) -> generator -> Preview Image. */
export const LIVE_GRAPH = {
  '1': { class_type: 'exitgraph/PaintedLabelMap', inputs: { width: 128, height: 128, classes: ['sky', 'cloud', 'mountain', 'snow', 'rock', 'water', 'sand', 'grass', 'tree', 'flower'] } },
  '2': { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['1', 0], pack: 'landscape' } },
  '3': { class_type: 'exitgraph/ExitSelector', inputs: { difficulty: ['2', 0], router: 'fixed', exit: 3 } },
  '4': { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['1', 0], plan: ['3', 0], pack: 'landscape' } },
  '5': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['4', 0] } },
};

/** Loads `graph` (API prompt) in the editor, and records every live preview frame in `window.frames_`. */
export async function loadLiveGraph(page: Page, graph: unknown): Promise<void> {
  await page.evaluate(async (prompt) => {
    const eg = (window as any).exitgraph;
    const workflow = await (await fetch('/api/graph/workflow', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(prompt) })).json();
    eg.load(workflow, 'live');
    (window as any).frames_ = [];
    eg.tracker.onPreview((p: any) => (window as any).frames_.push({ nodeId: String(p.nodeId), promptId: p.promptId, url: p.url, details: p.details }));
  }, graph);
}

/** Clicks the painted node's "paint label map…" button and waits for the painter. */
export async function openPainterOn(page: Page, nodeId: number): Promise<{ x: number; y: number; width: number; height: number }> {
  const button = await page.evaluate((id) => {
    const node = (window as any).exitgraph.graph.getNodeById(id);
    const widget = node.widgets.find((w: any) => w.type === 'button');
    return [node.pos[0] + node.size[0] / 2, node.pos[1] + widget.y + 10];
  }, nodeId);
  const at = await graphToPage(page, button as [number, number]);
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('#label-painter canvas');
  return (await page.locator('#label-painter canvas').boundingBox())!;
}

/** A horizontal brush stroke of class `classId` at height `row` (0..1) of the painting. */
export async function brushStroke(page: Page, box: { x: number; y: number; width: number; height: number }, classId: number, row: number): Promise<void> {
  await page.click(`.swatch[data-class-id="${classId}"]`);
  await page.mouse.move(box.x + box.width * 0.1, box.y + box.height * row);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.9, box.y + box.height * row, { steps: 8 });
  await page.mouse.up();
}

/** The live timings of the open painter. */
export function timings(page: Page): Promise<{ promptId?: string; firstMs?: number; finalMs?: number; firstExit?: string; finalExit?: string; planned?: string }[]> {
  return page.evaluate(() => (window as any).exitgraph.live()?.timings.map((t: any) => ({ ...t })) ?? []);
}

/** Pixels of the preview frames of prompt `promptId` for node `nodeId`, in arrival order, with their details. */
function framesOf(page: Page, promptId: string, nodeId: string): Promise<{ exit: number; final: boolean; pixels: number[] }[]> {
  return page.evaluate(
    async ([prompt, node]) => {
      const out = [];
      for (const f of (window as any).frames_.filter((f: any) => f.promptId === prompt && f.nodeId === node)) {
        const img = new Image();
        img.src = f.url;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        out.push({ exit: f.details?.exit, final: f.details?.final, pixels: Array.from(ctx.getImageData(0, 0, c.width, c.height).data) });
      }
      return out;
    },
    [promptId, nodeId] as const,
  );
}

function meanAbsDiff(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

describe.runIf(run)('live painting', () => {
  it('shows exit0 after each stroke and the planned exit after a pause, in the pane beside the painter', async () => {
    const { page } = s;
    await loadLiveGraph(page, LIVE_GRAPH);
    const box = await openPainterOn(page, 1);
    expect(await page.isVisible('#painter-live')).toBe(true);
    expect(await page.textContent('#painter-live label')).toContain('Semantic Map Generator');

    // Three strokes in a row, each starting the next as soon as its first preview is shown.
    const firsts: number[][] = [];
    for (const [i, [classId, row]] of ([[2, 0.3], [5, 0.6], [8, 0.85]] as const).entries()) {
      await brushStroke(page, box, classId, row);
      await page.waitForFunction((n) => (window as any).exitgraph.live().timings[n]?.firstMs !== undefined, i, { timeout: 30_000 });
      const t = (await timings(page))[i]!;
      expect(t.firstExit).toBe('exit0');
      const frames = await framesOf(page, t.promptId!, '4');
      expect(frames[0]).toMatchObject({ exit: 0, final: false });
      firsts.push(frames[0]!.pixels);
      // The painting changed, so did the preview.
      if (i > 0) expect(meanAbsDiff(firsts[i - 1]!, firsts[i]!)).toBeGreaterThan(0.5);
    }

    // The pause: the last stroke's run refines to the planned exit in place.
    await page.waitForFunction(() => (window as any).exitgraph.live().timings.at(-1)?.finalMs !== undefined, undefined, { timeout: 30_000 });
    const last = (await timings(page)).at(-1)!;
    expect(last).toMatchObject({ firstExit: 'exit0', finalExit: 'exit3', planned: 'exit3' });
    expect(last.finalMs!).toBeGreaterThanOrEqual(last.firstMs!);
    const badge = await page.$eval('#painter-live-badge', (el) => ({ text: el.textContent, ...(el as HTMLElement).dataset }));
    expect(badge).toMatchObject({ text: 'exit3 of 5 · planned exit3 · done', exit: 'exit3', planned: 'exit3', final: 'true' });
    const frames = await framesOf(page, last.promptId!, '4');
    expect(frames.map((f) => f.exit)).toEqual([0, 1, 2, 3]);
    expect(frames.at(-1)!.final).toBe(true);
    // The refined image is not the cheap one, and it is what the pane shows.
    expect(meanAbsDiff(frames[0]!.pixels, frames.at(-1)!.pixels)).toBeGreaterThan(0.5);
    const shown = await page.evaluate(() => {
      const frames = (window as any).frames_.filter((f: any) => f.nodeId === '4');
      return { src: (document.querySelector('#painter-live-image') as HTMLImageElement).src, last: frames.at(-1).url };
    });
    expect(shown.src).toBe(shown.last);
    expect(await page.textContent('#painter-live-timing')).toMatch(/^first preview \d+ ms · exit3 \d+ ms$/);
    await page.screenshot({ path: join(ARTIFACTS, 'live-paint.png') });

    // Apply keeps the painting; the graph's own params are untouched (previews stay off).
    await page.click('#painter-apply');
    const params = await page.evaluate(() => {
      const g = (window as any).exitgraph.graph;
      return { map: String(g.getNodeById(1).properties.params.map), previews: g.getNodeById(4).properties.params.previews };
    });
    expect(params.map).toMatch(/^data:image\/png;base64,/);
    expect(params.previews).not.toBe(true);
    // Interruptions by the next stroke are no error: nothing on the page, no toast.
    expect(await page.locator('.toast.error').count()).toBe(0);
    expect(s.pageErrors).toEqual([]);
  });
});
