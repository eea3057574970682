import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paintedLabelMap } from '../../nodes/labels/painted-label-map.js';
import { definePack } from '../../sdk/index.js';
import { ARTIFACTS, CHROMIUM, browserAvailable, graphToPage, openEditor, type EditorSession } from './browser-harness.js';

const run = browserAvailable();
let s: EditorSession;

beforeAll(async () => {
  if (run) s = await openEditor([definePack({ name: 'painter', nodes: [paintedLabelMap] })]);
});
afterAll(async () => {
  await s?.stop();
});
beforeEach(async () => {
  if (!run) return;
  await s.page.click('#new-button');
  s.pageErrors.length = 0;
});

/** Node ids, types and run state, read from the page. */
function nodes(page: Page): Promise<{ id: number; type: string; phase: string; error?: string; images: number }[]> {
  return page.evaluate(() =>
    (window as any).exitgraph.graph.nodes.map((n: any) => ({ id: n.id, type: n.type, phase: n.runState.phase, error: n.runState.error, images: n.runState.images.length })),
  );
}

/** Statistics of the image shown on a node: size, mean and spread of its pixels. */
function shownImageStats(page: Page, nodeId: number): Promise<{ width: number; height: number; mean: number[]; spread: number; src: string }> {
  return page.evaluate((id) => {
    const node = (window as any).exitgraph.graph.getNodeById(id);
    const img: HTMLImageElement = node.runState.images.at(-1);
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    const sum = { r: 0, g: 0, b: 0 };
    let min = 255;
    let max = 0;
    for (let p = 0; p < data.length; p += 4) {
      const [r, g, b] = [data[p]!, data[p + 1]!, data[p + 2]!];
      sum.r += r;
      sum.g += g;
      sum.b += b;
      const grey = (r + g + b) / 3;
      min = Math.min(min, grey);
      max = Math.max(max, grey);
    }
    const n = data.length / 4;
    return { width: canvas.width, height: canvas.height, mean: [sum.r / n, sum.g / n, sum.b / n], spread: max - min, src: img.src };
  }, nodeId);
}

async function waitForImage(page: Page, nodeId: number): Promise<void> {
  await page.waitForFunction((id) => (window as any).exitgraph.graph.getNodeById(id)?.runState.images.length > 0, nodeId, { timeout: 30_000 });
}

async function addFromPalette(page: Page, query: string, pick?: string): Promise<number> {
  const before = (await nodes(page)).map((n) => n.id);
  await page.fill('#node-search', query);
  if (pick) await page.click(`.palette-item[data-node-type="${pick}"]`);
  else await page.press('#node-search', 'Enter');
  const after = await nodes(page);
  const added = after.find((n) => !before.includes(n.id));
  if (!added) throw new Error(`searching "${query}" added no node`);
  return added.id;
}

async function moveNode(page: Page, id: number, pos: [number, number]): Promise<void> {
  await page.evaluate(([nodeId, x, y]) => {
    const { graph, canvas } = (window as any).exitgraph;
    graph.getNodeById(nodeId).pos = [x, y];
    canvas.setDirty(true, true);
  }, [id, pos[0], pos[1]] as const);
}

/** Drags from an output socket to an input socket with the mouse. */
async function dragLink(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const [start, end] = await page.evaluate(([[a, outSlot], [b, inSlot]]) => {
    const { graph } = (window as any).exitgraph;
    return [graph.getNodeById(a).getOutputPos(outSlot), graph.getNodeById(b).getInputPos(inSlot)];
  }, [from, to] as const);
  const p0 = await graphToPage(page, start);
  const p1 = await graphToPage(page, end);
  await page.mouse.move(p0.x, p0.y);
  await page.mouse.down();
  await page.mouse.move((p0.x + p1.x) / 2, (p0.y + p1.y) / 2, { steps: 8 });
  await page.mouse.move(p1.x, p1.y, { steps: 8 });
  await page.mouse.up();
}

/** Clicks the middle of a node's widget (opening litegraph's value prompt) and types a value. */
async function setWidget(page: Page, id: number, widgetName: string, value: string): Promise<void> {
  const centre = await page.evaluate(([nodeId, name]) => {
    const { graph } = (window as any).exitgraph;
    const node = graph.getNodeById(nodeId);
    const widget = node.widgets.find((w: any) => w.name === name);
    return [node.pos[0] + node.size[0] / 2, node.pos[1] + widget.y + 10];
  }, [id, widgetName] as const);
  const point = await graphToPage(page, centre as [number, number]);
  await page.mouse.click(point.x, point.y);
  const input = page.locator('.graphdialog input.value');
  await input.waitFor({ timeout: 5000 });
  await input.fill(value);
  await input.press('Enter');
}

/** Clicks the middle of a node's combo widget and picks `entry` from the menu it opens. */
async function pickFromCombo(page: Page, id: number, widgetName: string, entry: string): Promise<void> {
  const centre = await page.evaluate(([nodeId, name]) => {
    const { graph } = (window as any).exitgraph;
    const node = graph.getNodeById(nodeId);
    const widget = node.widgets.find((w: any) => w.name === name);
    return [node.pos[0] + node.size[0] / 2, node.pos[1] + widget.y + 10];
  }, [id, widgetName] as const);
  const point = await graphToPage(page, centre as [number, number]);
  await page.mouse.click(point.x, point.y);
  await page.locator('.litecontextmenu .litemenu-entry', { hasText: entry }).first().click();
}

async function linkCount(page: Page): Promise<number> {
  return page.evaluate(() => (window as any).exitgraph.graph.links.size ?? Object.keys((window as any).exitgraph.graph.links).length);
}

describe.skipIf(!run)('editor in Chromium', () => {
  it('loads an example from the menu, runs it, and shows a non-blank image', async () => {
    const { page } = s;
    await page.click('#examples-button');
    await page.click('.dropdown-item:has-text("resize-and-blend")');
    await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 6);
    await page.click('#queue-button');
    const save = (await nodes(page)).find((n) => n.type === 'exitgraph/SaveImage')!;
    await waitForImage(page, save.id);
    await page.screenshot({ path: join(ARTIFACTS, 'example-run.png') });

    const stats = await shownImageStats(page, save.id);
    expect(stats.width).toBe(192);
    expect(stats.height).toBe(192);
    expect(stats.spread).toBeGreaterThan(30);
    expect(Math.max(...stats.mean)).toBeGreaterThan(10);
    expect(stats.src).toContain('/view?');
    const states = await nodes(page);
    expect(states.every((n) => n.phase === 'done' || n.phase === 'cached')).toBe(true);
    // Every node shows its time in a badge.
    const badges = await page.evaluate(() => (window as any).exitgraph.graph.nodes.map((n: any) => n.badges[0]().text));
    expect(badges.every((text: string) => /\d+(\.\d+)? (ms|s)|cached/.test(text))).toBe(true);
    expect(s.pageErrors).toEqual([]);

    // Again: unchanged nodes come from the cache and say so; the saver runs again.
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.filter((n: any) => n.runState.phase === 'cached').length === 5);
    await page.waitForFunction((id) => (window as any).exitgraph.graph.getNodeById(id).runState.phase === 'done', save.id);
    await page.screenshot({ path: join(ARTIFACTS, 'example-cached.png') });
  });

  it('builds a two-node graph by UI actions (search, add, connect, set a widget) and runs it', async () => {
    const { page } = s;
    const solid = await addFromPalette(page, 'solid colour');
    const preview = await addFromPalette(page, 'preview', 'exitgraph/PreviewImage');
    await moveNode(page, solid, [0, 0]);
    await moveNode(page, preview, [420, 0]);
    await page.evaluate(() => (window as any).exitgraph.canvas.ds.offset.splice(0, 2, 60, 80));
    await dragLink(page, [solid, 0], [preview, 0]);
    expect(await linkCount(page)).toBe(1);
    await setWidget(page, solid, 'r', '255');
    await setWidget(page, solid, 'width', '64');
    const params = await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).properties.params, solid);
    expect(params).toMatchObject({ r: 255, g: 0, b: 0, width: 64 });

    await page.click('#queue-button');
    await waitForImage(page, preview);
    await page.screenshot({ path: join(ARTIFACTS, 'two-node-graph.png') });
    const stats = await shownImageStats(page, preview);
    expect(stats.width).toBe(64);
    expect(stats.mean[0]).toBeGreaterThan(250);
    expect(stats.mean[1]).toBeLessThan(5);
  });

  it('refuses a link between sockets of incompatible types', async () => {
    const { page } = s;
    const solid = await addFromPalette(page, 'solid colour');
    const math = await addFromPalette(page, 'math', 'exitgraph/Math');
    const resize = await addFromPalette(page, 'resize', 'exitgraph/ImageResize');
    await moveNode(page, solid, [0, 0]);
    await moveNode(page, math, [420, 0]);
    await moveNode(page, resize, [420, 260]);
    await page.evaluate(() => (window as any).exitgraph.canvas.ds.offset.splice(0, 2, 60, 80));
    await dragLink(page, [solid, 0], [math, 0]);
    expect(await linkCount(page)).toBe(0);
    await dragLink(page, [solid, 0], [resize, 0]);
    expect(await linkCount(page)).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'typed-sockets.png') });
  });

  it('shows validation errors and run errors on the failing node', async () => {
    const { page } = s;
    await page.evaluate(() => {
      const wf = {
        last_node_id: 3, last_link_id: 2, groups: [], config: {}, extra: {}, version: 0.4,
        nodes: [
          { id: 1, type: 'test/Solid', pos: [0, 0], size: [260, 200], flags: {}, order: 0, mode: 0, inputs: [], outputs: [{ name: 'image', type: 'IMAGE', links: [1], slot_index: 0 }], properties: { params: {}, version: 1 } },
          { id: 2, type: 'test/Fail', pos: [340, 0], size: [260, 100], flags: {}, order: 1, mode: 0, inputs: [{ name: 'image', type: 'IMAGE', link: 1 }], outputs: [{ name: 'image', type: 'IMAGE', links: [2], slot_index: 0 }], properties: { params: {}, version: 1 } },
          { id: 3, type: 'exitgraph/PreviewImage', pos: [680, 0], size: [260, 100], flags: {}, order: 2, mode: 0, inputs: [{ name: 'image', type: 'IMAGE', link: 2 }], outputs: [], properties: { params: {}, version: 1 } },
        ],
        links: [[1, 1, 0, 2, 0, 'IMAGE'], [2, 2, 0, 3, 0, 'IMAGE']],
      };
      (window as any).exitgraph.load(wf, 'failing');
    });
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).exitgraph.graph.getNodeById(2).runState.phase === 'error');
    const failed = (await nodes(page)).find((n) => n.id === 2)!;
    expect(failed.error).toContain('failing on purpose');
    await page.waitForSelector('.toast.error');
    await page.screenshot({ path: join(ARTIFACTS, 'run-error.png') });

    // An invalid param is refused before running, and shown on its node.
    await setWidget(page, 1, 'width', '0');
    await page.evaluate(() => ((window as any).exitgraph.graph.getNodeById(1).properties.params.width = 0));
    await page.click('#queue-button');
    await page.waitForFunction(() => (window as any).exitgraph.graph.getNodeById(1).runState.phase === 'error');
    expect((await nodes(page)).find((n) => n.id === 1)!.error).toMatch(/width/);
  });

  it('shows time, MACs, exit taken and compute saved in a node badge', async () => {
    const { page } = s;
    await page.evaluate(async () => {
      const workflow = await (await fetch('/api/graph/workflow', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ '1': { class_type: 'test/Solid', inputs: { g: 200 } }, '2': { class_type: 'test/Save', inputs: { image: ['1', 0], filename_prefix: 'badge' } } }),
      })).json();
      (window as any).exitgraph.load(workflow, 'badges');
    });
    await page.click('#queue-button');
    await waitForImage(page, 2);
    const badge = await page.evaluate(() => (window as any).exitgraph.graph.getNodeById(2).badges[0]().text);
    expect(badge).toMatch(/^\d+(\.\d+)? ms · 1\.23 kMAC · exit exit2 · saved 50%$/);
    await page.screenshot({ path: join(ARTIFACTS, 'badges.png') });
  });

  it('paints a label map with brush and fill, and runs it', async () => {
    const { page } = s;
    const painted = await addFromPalette(page, 'painted label map');
    const colorize = await addFromPalette(page, 'colorize', 'exitgraph/ColorizeLabelMap');
    const preview = await addFromPalette(page, 'preview', 'exitgraph/PreviewImage');
    await moveNode(page, painted, [0, 0]);
    await moveNode(page, colorize, [380, 0]);
    await moveNode(page, preview, [720, 0]);
    await page.evaluate(() => (window as any).exitgraph.canvas.ds.offset.splice(0, 2, 60, 80));
    await dragLink(page, [painted, 0], [colorize, 0]);
    await dragLink(page, [colorize, 0], [preview, 0]);
    expect(await linkCount(page)).toBe(2);

    // Open the painter from the node's button widget.
    const button = await page.evaluate((id) => {
      const node = (window as any).exitgraph.graph.getNodeById(id);
      const widget = node.widgets.find((w: any) => w.type === 'button');
      return [node.pos[0] + node.size[0] / 2, node.pos[1] + widget.y + 10];
    }, painted);
    const at = await graphToPage(page, button as [number, number]);
    await page.mouse.click(at.x, at.y);
    await page.waitForSelector('#label-painter canvas');
    // Fill everything with "water" (5), then brush a stroke of "tree" (8).
    await page.click('.swatch[data-class-id="5"]');
    await page.click('#painter-fill');
    const box = (await page.locator('#label-painter canvas').boundingBox())!;
    await page.mouse.click(box.x + 10, box.y + 10);
    await page.click('.swatch[data-class-id="8"]');
    await page.click('#painter-brush');
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 12 });
    await page.mouse.up();
    await page.screenshot({ path: join(ARTIFACTS, 'label-painter.png') });
    await page.click('#painter-apply');
    await page.waitForFunction((id) => String((window as any).exitgraph.graph.getNodeById(id).properties.params.map).startsWith('data:image/png;base64,'), painted);

    await page.click('#queue-button');
    await waitForImage(page, preview);
    await page.screenshot({ path: join(ARTIFACTS, 'label-map-run.png') });
    const stats = await shownImageStats(page, preview);
    expect(stats.width).toBe(128);
    expect(stats.spread).toBeGreaterThan(10);
  });

  it('restores the graph embedded in a dropped output PNG', async () => {
    const { page } = s;
    await page.click('#examples-button');
    await page.click('.dropdown-item:has-text("resize-and-blend")');
    await page.click('#queue-button');
    const save = (await nodes(page)).find((n) => n.type === 'exitgraph/SaveImage')!;
    await waitForImage(page, save.id);
    const src = (await shownImageStats(page, save.id)).src;

    await page.click('#new-button');
    expect(await nodes(page)).toEqual([]);
    await page.evaluate(async (url) => {
      const blob = await (await fetch(url)).blob();
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], 'output.png', { type: 'image/png' }));
      const canvas = document.getElementById('graph-canvas')!;
      canvas.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, src);
    await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 6);
    const restored = (await nodes(page)).map((n) => n.type).sort();
    expect(restored).toEqual(['exitgraph/ImageBlend', 'exitgraph/ImageCrop', 'exitgraph/ImageResize', 'exitgraph/LoadImage', 'exitgraph/LoadImage', 'exitgraph/SaveImage']);
    await page.screenshot({ path: join(ARTIFACTS, 'dropped-png.png') });
  });

  it('uploads a dropped plain image and gives it a Load Image node', async () => {
    const { page } = s;
    await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 8;
      canvas.height = 8;
      const blob = await new Promise<Blob>((done) => canvas.toBlob((b) => done(b!), 'image/png'));
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], 'dropped-plain.png', { type: 'image/png' }));
      document.getElementById('graph-canvas')!.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector('.toast:has-text("uploaded")');
    const added = await page.evaluate(() => (window as any).exitgraph.graph.nodes.map((n: any) => ({ type: n.type, image: n.properties.params.image })));
    expect(added).toEqual([{ type: 'exitgraph/LoadImage', image: expect.stringMatching(/^dropped-plain.*\.png$/) }]);
    expect(s.pageErrors).toEqual([]);
  });

  it("shows only the chosen router's params on the Exit Selector, switching with the router widget", async () => {
    const { page } = s;
    const selector = await addFromPalette(page, 'exit selector', 'exitgraph/ExitSelector');
    await moveNode(page, selector, [0, 0]);
    await page.evaluate(() => (window as any).exitgraph.canvas.ds.offset.splice(0, 2, 60, 80));
    /** The widgets the node draws, and whether its size still fits them. */
    const shown = () =>
      page.evaluate((id) => {
        const node = (window as any).exitgraph.graph.getNodeById(id);
        return { widgets: node.widgets.map((w: any) => w.name), fits: node.size[1] >= node.computeSize()[1], params: { ...node.properties.params } };
      }, selector);

    // The default router (threshold) has tau only (and the audit, for routers with a tau); budget, risk's params and extra are hidden.
    expect((await shown()).widgets).toEqual(['router', 'tau', 'audit_fraction', 'audit_step']);
    const before = await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).size[1], selector);

    // The router widget offers the built-in routers; picking risk shows alpha, method and delta, and budget stays hidden.
    const offered = await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).widgets[0].options.values, selector);
    expect(offered).toEqual(['threshold', 'risk', 'budget', 'deadline', 'fixed', 'full', 'other…']);
    await pickFromCombo(page, selector, 'router', 'risk');
    const risk = await shown();
    expect(risk.widgets).toEqual(['router', 'tau', 'alpha', 'method', 'delta', 'audit_fraction', 'audit_step']);
    expect(risk.fits).toBe(true);
    expect(risk.params).toMatchObject({ router: 'risk', alpha: 0.1, method: 'learn-then-test', budget: 0.5 });
    expect(await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).size[1], selector)).toBeGreaterThan(before);
    await page.screenshot({ path: join(ARTIFACTS, 'router-risk-params.png') });

    // The budget router shows its budget and hides tau; a plugin router, typed in through
    // "other…", shows `extra` only and joins the list.
    await pickFromCombo(page, selector, 'router', 'budget');
    expect((await shown()).widgets).toEqual(['router', 'budget']);
    page.once('dialog', (dialog) => void dialog.accept('mypack/region'));
    await pickFromCombo(page, selector, 'router', 'other…');
    const plugin = await shown();
    expect(plugin.widgets).toEqual(['router', 'extra']);
    expect(plugin.params.router).toBe('mypack/region');
    expect(await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).widgets[0].options.values.at(-2), selector)).toBe('mypack/region');
    // Cancelling "other…" keeps the router it had.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await pickFromCombo(page, selector, 'router', 'other…');
    expect((await shown()).params.router).toBe('mypack/region');
    expect(await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).widgets[0].value, selector)).toBe('mypack/region');

    // A saved workflow opens with the widgets of its saved router.
    await pickFromCombo(page, selector, 'router', 'risk');
    await page.evaluate(() => {
      const { load, serialize } = (window as any).exitgraph;
      load(JSON.parse(JSON.stringify(serialize())), 'reloaded');
    });
    const reloaded = await page.evaluate(() => {
      const node = (window as any).exitgraph.graph.nodes.find((n: any) => n.type === 'exitgraph/ExitSelector');
      return { widgets: node.widgets.map((w: any) => w.name), fits: node.size[1] >= node.computeSize()[1] };
    });
    expect(reloaded).toEqual({ widgets: ['router', 'tau', 'alpha', 'method', 'delta', 'audit_fraction', 'audit_step'], fits: true });

    // A graph that leaves the router out runs the default router (threshold), and shows its params.
    const converted = await page.evaluate(async () => {
      const workflow = await (await fetch('/api/graph/workflow', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ '1': { class_type: 'exitgraph/ExitSelector', inputs: {} } }) })).json();
      (window as any).exitgraph.load(workflow, 'no-router');
      return (window as any).exitgraph.graph.getNodeById(1).widgets.map((w: any) => w.name);
    });
    expect(converted).toEqual(['router', 'tau', 'audit_fraction', 'audit_step']);
    expect(s.pageErrors).toEqual([]);
  });

  it('saves a workflow on the server and loads it back from the menu', async () => {
    const { page } = s;
    await addFromPalette(page, 'solid colour');
    page.once('dialog', (dialog) => void dialog.accept('browser-saved'));
    await page.click('#save-button');
    await page.waitForSelector('.toast:has-text("saved")');
    await page.click('#new-button');
    await page.click('#workflows-button');
    await page.click('.dropdown-item:has-text("browser-saved")');
    await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 1);
    expect((await nodes(page))[0]!.type).toBe('test/Solid');
    await writeFile(join(ARTIFACTS, 'saved-workflow.json'), JSON.stringify(await page.evaluate(() => (window as any).exitgraph.serialize()), null, 1));
  });
});

if (!run) it.skip(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`, () => {});
