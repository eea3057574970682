/**
 * Drives live painting in the editor page: the graph it paints into, opening the painter,
 * brush strokes, and the timings the live pane measured. Shared by the browser test and the
 * live-painting bench (no test framework here).
 */
import type { Page } from 'playwright-core';

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
    const eg = (globalThis as any).exitgraph;
    const workflow = await (await fetch('/api/graph/workflow', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(prompt) })).json();
    eg.load(workflow, 'live');
    (globalThis as any).frames_ = [];
    eg.tracker.onPreview((p: any) => (globalThis as any).frames_.push({ nodeId: String(p.nodeId), promptId: p.promptId, url: p.url, details: p.details }));
  }, graph);
}

/** Clicks the painted node's "paint label map…" button and waits for the painter. */
export async function openPainterOn(page: Page, nodeId: number): Promise<{ x: number; y: number; width: number; height: number }> {
  const button = await page.evaluate((id) => {
    const node = (globalThis as any).exitgraph.graph.getNodeById(id);
    const widget = node.widgets.find((w: any) => w.type === 'button');
    return [node.pos[0] + node.size[0] / 2, node.pos[1] + widget.y + 10];
  }, nodeId);
  const at = await page.evaluate(([x, y]) => {
    const { canvas } = (globalThis as any).exitgraph;
    const [cx, cy] = canvas.ds.convertOffsetToCanvas([x, y]);
    const rect = canvas.canvas.getBoundingClientRect();
    return { x: rect.left + cx * (rect.width / canvas.canvas.width), y: rect.top + cy * (rect.height / canvas.canvas.height) };
  }, button as [number, number]);
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
export function liveTimings(page: Page): Promise<{ promptId?: string; firstMs?: number; finalMs?: number; firstExit?: string; finalExit?: string; planned?: string }[]> {
  return page.evaluate(() => (globalThis as any).exitgraph.live()?.timings.map((t: any) => ({ ...t })) ?? []);
}

