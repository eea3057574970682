/**
 * Live painting in real Chromium against a real server with the shipped landscape pack: each
 * stroke in the painter runs the graph with live previews, the pane beside the painting shows the
 * cheapest exit first, and once painting pauses the same run reaches the planned exit.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserAvailable, openEditor, type EditorSession } from './browser-harness.js';
import { LIVE_GRAPH, brushStroke, liveTimings as timings, loadLiveGraph, openPainterOn } from './live-paint-driver.js';

const run = browserAvailable();
let s: EditorSession;

beforeAll(async () => {
  if (run) s = await openEditor();
});
afterAll(async () => {
  await s?.stop();
});

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
