import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { paintedLabelMap } from '../../nodes/labels/painted-label-map.js';
import { definePack } from '../../sdk/index.js';
import { ARTIFACTS, CHROMIUM, browserAvailable, graphToPage, newGraph, openEditor, type EditorSession } from './browser-harness.js';

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
  await newGraph(s.page);
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
  // Under load litegraph may take the first click for the end of a drag: click once more.
  await input.waitFor({ timeout: 3000 }).catch(async () => {
    await page.mouse.click(point.x, point.y);
    await input.waitFor({ timeout: 5000 });
  });
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
    expect(badge).toMatch(/^\d+(\.\d+)? ms · 1\.23 kMAC · exit2 · saved 50%$/);
    await page.screenshot({ path: join(ARTIFACTS, 'badges.png') });
  });

  it('shows exit of how many, saving and the promise in words on the selector and generator (risk and threshold)', async () => {
    const { page } = s;
    const hudOf = (type: string) =>
      page.evaluate((t) => {
        const node = (window as any).exitgraph.graph.nodes.find((n: any) => n.type === t);
        return { lines: node.hudLines() as string[], badge: node.badges[0]().text as string, phase: node.runState.phase as string };
      }, type);
    const shown: Record<string, { selector: string[]; generator: string[]; badge: string }> = {};
    for (const example of ['landscape-risk', 'landscape-threshold']) {
      await newGraph(page);
      await page.click('#examples-button');
      await page.click(`.dropdown-item:has-text("${example}")`);
      await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 7);
      await page.click('#queue-button');
      await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.find((n: any) => n.type === 'exitgraph/SemanticMapGenerator')?.runState.phase === 'done', undefined, { timeout: 60_000 });
      const selector = await hudOf('exitgraph/ExitSelector');
      const generator = await hudOf('exitgraph/SemanticMapGenerator');
      shown[example] = { selector: selector.lines, generator: generator.lines, badge: generator.badge };
      await page.screenshot({ path: join(ARTIFACTS, `hud-${example}.png`) });
    }
    const exitLine = /^(plans )?(exit\d of 5|full)( \(planned (exit\d|full)\))?$/;
    for (const { selector, generator, badge } of Object.values(shown)) {
      expect(selector[0]).toMatch(exitLine);
      expect(generator[0]).toMatch(exitLine);
      expect(generator[1]).toMatch(/^\d+(\.\d+)? [kMG]?MAC · saved -?\d+%$/);
      // The badge names exits as the CLI does: "full" for the last, never "exit 4".
      expect(badge).not.toMatch(/exit \d/);
      expect(badge).toMatch(/ · (exit\d|full)( · |$)/);
    }
    // The risk router's promise, with its calibration evidence; the threshold router's, plainly.
    expect(shown['landscape-risk']!.selector.at(-1)).toMatch(/^P\(LPIPS > 0\.10\) <= 0\.10, Learn-then-Test, \d+\/\d+ calibration violations$/);
    expect(shown['landscape-risk']!.generator.at(-1)).toBe(shown['landscape-risk']!.selector.at(-1));
    expect(shown['landscape-threshold']!.selector.at(-1)).toMatch(/^predicted <= tau 0\.\d+$/);
    expect(s.pageErrors).toEqual([]);
  });

  it('fits widgets to the schema: tooltips from descriptions, decimals and steps, bounds, enums as combos', async () => {
    const { page } = s;
    const id = await addFromPalette(page, 'selector', 'exitgraph/ExitSelector');
    await moveNode(page, id, [80, 80]);
    const widget = (name: string) =>
      page.evaluate(([nodeId, n]) => {
        const node = (window as any).exitgraph.graph.getNodeById(nodeId);
        const w = node.widgets.find((x: any) => x.name === n);
        return { type: w.type as string, shown: w._displayValue as string, value: node.properties.params[n] as unknown, tooltip: w.tooltip as string, y: w.y as number };
      }, [id, name] as const);

    // Every widget carries its schema's description, and hovering shows it.
    const described = await page.evaluate((nodeId) => {
      const node = (window as any).exitgraph.graph.getNodeById(nodeId);
      const props = node.definition.params.properties;
      return node.widgets.filter((w: any) => props[w.name]).map((w: any) => [w.tooltip, props[w.name].description ?? w.name]);
    }, id);
    expect(described.length).toBeGreaterThan(1);
    for (const [tooltip, description] of described) expect(tooltip).toBe(description);
    // A widget's y (and shown value) are set when litegraph first draws the node: wait for that
    // draw (a busy machine delays it), or the hover lands at a position that is not the widget's.
    await page.waitForFunction((nodeId) => typeof (window as any).exitgraph.graph.getNodeById(nodeId)?.widgets?.find((w: any) => w.name === 'tau')?.y === 'number', id);
    const tau = await widget('tau');
    const nodePos = () => page.evaluate((nodeId) => (window as any).exitgraph.graph.getNodeById(nodeId).pos as [number, number], id);
    // The widget's page position is read again on each try: on a loaded machine the canvas may
    // still be laying out when the first hover lands.
    await expect
      .poll(
        async () => {
          const node = await nodePos();
          const hover = await graphToPage(page, [node[0] + 120, node[1] + tau.y + 10]);
          await page.mouse.move(hover.x, hover.y);
          await page.mouse.move(hover.x + 2, hover.y);
          return page.locator('.widget-tooltip:not([hidden])').isVisible();
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe(true);
    expect(await page.textContent('.widget-tooltip')).toBe(tau.tooltip);
    await page.screenshot({ path: join(ARTIFACTS, 'widget-tooltip.png') });

    // tau typed as 0.05 shows 0.05; the arrow steps by 0.01; typed past the maximum stops at it.
    expect(tau.shown).toBe('0.10');
    const node = await nodePos();
    await setWidget(page, id, 'tau', '0.05');
    expect(await widget('tau')).toMatchObject({ shown: '0.05', value: 0.05 });
    const arrow = await graphToPage(page, [node[0] + (await page.evaluate((nodeId) => (window as any).exitgraph.graph.getNodeById(nodeId).size[0], id)) - 12, node[1] + tau.y + 10]);
    await page.mouse.click(arrow.x, arrow.y);
    expect(await widget('tau')).toMatchObject({ shown: '0.06', value: 0.06 });
    await setWidget(page, id, 'tau', '7');
    expect(await widget('tau')).toMatchObject({ shown: '1.00', value: 1 });

    // The router is a combo of names; the risk router's method (an enum) is a combo too.
    expect((await widget('router')).type).toBe('combo');
    await pickFromCombo(page, id, 'router', 'risk');
    expect((await widget('method')).type).toBe('combo');
    expect(s.pageErrors).toEqual([]);
  });

  it('undoes and redoes edits and widget changes, asks before New discards them, and clears the palette search after Enter', async () => {
    const { page } = s;
    // "exit" finds nodes by title or name, not every node because ids start with "exitgraph/".
    await page.fill('#node-search', 'exit');
    const matched = await page.$$eval('.palette-item', (items) => items.map((i) => i.getAttribute('data-node-type')!));
    expect(matched).toContain('exitgraph/ExitSelector');
    expect(matched).not.toContain('exitgraph/ImageBlend');
    expect(matched.length).toBeLessThan(5);
    const id = await addFromPalette(page, 'exit selector');
    expect(await page.inputValue('#node-search')).toBe('');
    await moveNode(page, id, [100, 100]);
    const state = () =>
      page.evaluate((nodeId) => {
        const node = (window as any).exitgraph.graph.getNodeById(nodeId);
        return node ? { tau: node.properties.params.tau as number, shown: node.widgets.find((w: any) => w.name === 'tau')._displayValue as string } : undefined;
      }, id);

    await setWidget(page, id, 'tau', '0.05');
    expect(await state()).toEqual({ tau: 0.05, shown: '0.05' });
    // Delete the node with the keyboard, as a user would.
    const title = await page.evaluate((nodeId) => {
      const node = (window as any).exitgraph.graph.getNodeById(nodeId);
      return [node.pos[0] + 60, node.pos[1] - 12] as [number, number];
    }, id);
    const at = await graphToPage(page, title);
    await page.mouse.click(at.x, at.y);
    await page.keyboard.press('Delete');
    await page.waitForFunction((nodeId) => !(window as any).exitgraph.graph.getNodeById(nodeId), id);

    await page.keyboard.press('Control+z');
    expect(await state()).toEqual({ tau: 0.05, shown: '0.05' });
    await page.keyboard.press('Control+z');
    expect(await state()).toEqual({ tau: 0.1, shown: '0.10' });
    await page.keyboard.press('Control+Shift+z');
    expect(await state()).toEqual({ tau: 0.05, shown: '0.05' });
    await page.screenshot({ path: join(ARTIFACTS, 'undo-redo.png') });
    await page.keyboard.press('Control+Shift+z');
    await page.waitForFunction((nodeId) => !(window as any).exitgraph.graph.getNodeById(nodeId), id);
    await page.keyboard.press('Control+z');

    // New asks first: Cancel keeps the graph, Discard clears it.
    await page.click('#new-button');
    await page.locator('#confirm-dialog').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'confirm-new.png') });
    await page.click('#confirm-cancel');
    expect(await state()).toEqual({ tau: 0.05, shown: '0.05' });
    await page.click('#new-button');
    await page.click('#confirm-ok');
    expect((await nodes(page)).length).toBe(0);
    expect(s.pageErrors).toEqual([]);
  });

  it("opens an output node's image large on double-click, and closes it with Escape", async () => {
    const { page } = s;
    await page.click('#examples-button');
    await page.click('.dropdown-item:has-text("resize-and-blend")');
    await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 6);
    await page.click('#queue-button');
    const save = (await nodes(page)).find((n) => n.type === 'exitgraph/SaveImage')!;
    await waitForImage(page, save.id);
    const centre = await page.evaluate((id) => {
      const node = (window as any).exitgraph.graph.getNodeById(id);
      return [node.pos[0] + node.size[0] / 2, node.pos[1] + node.size[1] - 40] as [number, number];
    }, save.id);
    const at = await graphToPage(page, centre);
    await page.mouse.dblclick(at.x, at.y);
    // Under load litegraph may take the first press for the end of the last gesture: once more.
    await page.locator('#image-viewer img.viewer-image').waitFor({ timeout: 3000 }).catch(async () => {
      await page.mouse.dblclick(at.x, at.y, { delay: 20 });
      await page.locator('#image-viewer img.viewer-image').waitFor({ timeout: 5000 });
    });
    await page.waitForFunction(() => (document.querySelector('#image-viewer img') as HTMLImageElement)?.naturalWidth > 0);
    const shown = await page.$eval('#image-viewer img', (img) => ({ natural: (img as HTMLImageElement).naturalWidth, width: img.getBoundingClientRect().width, src: (img as HTMLImageElement).src }));
    expect(shown.natural).toBe(192);
    expect(shown.width).toBeGreaterThan(400);
    expect(shown.src).toContain('/view?');
    expect(await page.textContent('.viewer-caption')).toContain('1 of 1');
    await page.screenshot({ path: join(ARTIFACTS, 'image-viewer.png') });
    await page.keyboard.press('Escape');
    expect(await page.locator('#image-viewer').count()).toBe(0);
    expect(s.pageErrors).toEqual([]);
  });

  it('lists running, pending and finished prompts in the queue panel; cancels a pending one; reopens a finished graph', async () => {
    const { page } = s;
    await page.evaluate(async () => {
      const workflow = await (await fetch('/api/graph/workflow', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          '1': { class_type: 'test/Solid', inputs: { g: 90 } },
          '2': { class_type: 'test/Slow', inputs: { image: ['1', 0], ms: 1500, steps: 15 } },
          '3': { class_type: 'test/Save', inputs: { image: ['2', 0], filename_prefix: 'queued' } },
        }),
      })).json();
      (window as any).exitgraph.load(workflow, 'queue-panel');
    });
    const lastPrompt = () => page.evaluate(() => document.getElementById('status')?.dataset.lastPrompt ?? '');
    const before = await lastPrompt();
    await page.click('#queue-button');
    await page.waitForFunction((previous) => (document.getElementById('status')?.dataset.lastPrompt ?? '') !== previous, before);
    const runningId = await lastPrompt();
    await page.click('#queue-button');
    await page.click('#history-button');
    await page.locator('#queue-panel .queue-item.running').waitFor();
    await page.locator('#queue-panel .queue-item.pending').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'queue-panel-pending.png') });
    const pendingId = await page.getAttribute('#queue-panel .queue-item.pending', 'data-prompt-id');
    await page.click('#queue-panel .queue-item.pending .queue-cancel');
    await page.waitForFunction(() => !document.querySelector('#queue-panel .queue-item.pending'));
    // The cancelled prompt never runs; the running one finishes and shows its image.
    await page.waitForFunction((id) => document.querySelector(`#queue-panel .queue-item.done[data-prompt-id="${id}"]`)?.textContent?.includes('cancelled'), pendingId);
    await page.locator(`#queue-panel .queue-item.done.ok[data-prompt-id="${runningId}"] .queue-thumb`).first().waitFor({ timeout: 20_000 });
    await page.waitForFunction((id) => (document.querySelector(`#queue-panel .queue-item.done.ok[data-prompt-id="${id}"] .queue-thumb`) as HTMLImageElement)?.naturalWidth > 0, runningId);
    await page.screenshot({ path: join(ARTIFACTS, 'queue-panel-history.png') });
    const queue = await page.evaluate(async () => (await fetch('/queue')).json());
    expect(queue.queue_pending).toEqual([]);

    // Open brings the finished prompt's graph back (the editor workflow it was queued with).
    await newGraph(page);
    await page.click(`#queue-panel .queue-item.done.ok[data-prompt-id="${runningId}"] .queue-open`);
    await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 3);
    expect((await nodes(page)).map((n) => n.type).sort()).toEqual(['test/Save', 'test/Slow', 'test/Solid']);
    await page.click('#history-button');
    expect(await page.isVisible('#queue-panel')).toBe(false);
    expect(s.pageErrors).toEqual([]);
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
    // Natural colours, named: water blue, tree dark green; a big canvas; the brush size as a number.
    expect(await page.textContent('.swatch[data-class-id="5"]')).toContain('water');
    expect(await page.$eval('.swatch[data-class-id="5"] .chip', (chip) => getComputedStyle(chip).backgroundColor)).toBe('rgb(30, 70, 160)');
    expect(await page.$eval('.swatch[data-class-id="8"] .chip', (chip) => getComputedStyle(chip).backgroundColor)).toBe('rgb(20, 90, 30)');
    expect(await page.$eval('.swatch[data-class-id="0"] .chip', (chip) => getComputedStyle(chip).backgroundColor)).toBe('rgb(135, 180, 235)');
    expect((await page.locator('#label-painter canvas').boundingBox())!.width).toBeGreaterThanOrEqual(640);
    await page.locator('#painter-size').fill('5');
    expect(await page.textContent('#painter-size-value')).toBe('5 px');
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
    // Colorize Label Map paints the same natural colours: the top-left corner is water.
    const corner = await page.evaluate((id) => {
      const img: HTMLImageElement = (window as any).exitgraph.graph.getNodeById(id).runState.images.at(-1);
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return Array.from(ctx.getImageData(2, 2, 1, 1).data.slice(0, 3));
    }, preview);
    expect(corner).toEqual([30, 70, 160]);
  });

  it('restores the graph embedded in a dropped output PNG', async () => {
    const { page } = s;
    await page.click('#examples-button');
    await page.click('.dropdown-item:has-text("resize-and-blend")');
    await page.click('#queue-button');
    const save = (await nodes(page)).find((n) => n.type === 'exitgraph/SaveImage')!;
    await waitForImage(page, save.id);
    const src = (await shownImageStats(page, save.id)).src;

    await newGraph(page);
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
    expect((await shown()).widgets).toEqual(['router', 'tau', 'audit_fraction', 'audit_step', 'novel_inputs', 'novelty_level']);
    const before = await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).size[1], selector);

    // The router widget offers the built-in routers; picking risk shows alpha, method and delta, and budget stays hidden.
    const offered = await page.evaluate((id) => (window as any).exitgraph.graph.getNodeById(id).widgets[0].options.values, selector);
    expect(offered).toEqual(['threshold', 'risk', 'budget', 'deadline', 'fixed', 'full', 'other…']);
    await pickFromCombo(page, selector, 'router', 'risk');
    const risk = await shown();
    expect(risk.widgets).toEqual(['router', 'tau', 'alpha', 'method', 'delta', 'novelty_groups', 'audit_fraction', 'audit_step', 'novel_inputs', 'novelty_level']);
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
    expect(reloaded).toEqual({ widgets: ['router', 'tau', 'alpha', 'method', 'delta', 'novelty_groups', 'audit_fraction', 'audit_step', 'novel_inputs', 'novelty_level'], fits: true });

    // A graph that leaves the router out runs the default router (threshold), and shows its params.
    const converted = await page.evaluate(async () => {
      const workflow = await (await fetch('/api/graph/workflow', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ '1': { class_type: 'exitgraph/ExitSelector', inputs: {} } }) })).json();
      (window as any).exitgraph.load(workflow, 'no-router');
      return (window as any).exitgraph.graph.getNodeById(1).widgets.map((w: any) => w.name);
    });
    expect(converted).toEqual(['router', 'tau', 'audit_fraction', 'audit_step', 'novel_inputs', 'novelty_level']);
    expect(s.pageErrors).toEqual([]);
  });

  it('saves a workflow on the server and loads it back from the menu', async () => {
    const { page } = s;
    await addFromPalette(page, 'solid colour');
    page.once('dialog', (dialog) => void dialog.accept('browser-saved'));
    await page.click('#save-button');
    await page.waitForSelector('.toast:has-text("saved")');
    await newGraph(page);
    await page.click('#workflows-button');
    await page.click('.dropdown-item:has-text("browser-saved")');
    await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 1);
    expect((await nodes(page))[0]!.type).toBe('test/Solid');
    await writeFile(join(ARTIFACTS, 'saved-workflow.json'), JSON.stringify(await page.evaluate(() => (window as any).exitgraph.serialize()), null, 1));
  });
});

if (!run) it.skip(`browser tests skipped: ${CHROMIUM} is missing (apt-get install chromium)`, () => {});
