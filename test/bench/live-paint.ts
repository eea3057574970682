/**
 * Live painting, measured in real Chromium against a real server on loopback (cpu, the shipped
 * landscape pack): painted map -> estimator -> fixed router (planned exit3) -> generator -> Preview
 * Image. For strokes with a pause after each, the live pane's latency from the stroke's end to the
 * first preview (exit0) and to the planned exit, against the baseline of the same graph queued
 * after the stroke without live previews (until Preview Image shows the planned exit's output).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../editor/server/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { createHost } from '../../sdk/index.js';
import { LIVE_GRAPH, brushStroke, liveTimings, loadLiveGraph, openPainterOn } from '../browser/live-paint-driver.js';
import type { BenchFigure, BenchSection } from './bench-report.js';

const CHROMIUM = process.env.EXITGRAPH_CHROMIUM || '/usr/bin/chromium';
const STROKES = 8;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function livePaintBench(): Promise<BenchSection> {
  const title = 'Live painting (browser, cpu): stroke -> first preview and -> planned exit';
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-bench-live-'));
  const profile = await mkdtemp(join(tmpdir(), 'exitgraph-bench-chromium-'));
  const host = await createHost({ builtins: builtinPacks });
  const server = await startServer({ host, port: 0, workspace, device: 'cpu', log: () => {} });
  const context = await chromium
    .launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'], viewport: { width: 1400, height: 900 } })
    .catch((error: Error) => error);
  try {
    if (context instanceof Error) return { title, figures: [], notes: [`skipped: Chromium did not start (${CHROMIUM}): ${context.message.split('\n')[0]}`] };
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await loadLiveGraph(page, LIVE_GRAPH);
    const box = await openPainterOn(page, 1);
    const row = (i: number) => 0.1 + (0.8 * (i % 9)) / 9;

    // Live: a stroke, then a pause until the planned exit shows.
    const live = async (i: number): Promise<void> => {
      await page.check('#painter-live-toggle');
      const n = (await liveTimings(page)).length;
      await brushStroke(page, box, (i % 9) + 1, row(i));
      await page.waitForFunction((k) => (globalThis as any).exitgraph.live().timings[k]?.finalMs !== undefined, n, { timeout: 60_000 });
    };
    // Baseline: live previews off; after a stroke the graph is queued as the Queue button does,
    // and the time runs until Preview Image shows the new output.
    const plain = async (i: number): Promise<number> => {
      await page.uncheck('#painter-live-toggle');
      await brushStroke(page, box, ((i + 4) % 9) + 1, row(i + 4));
      return page.evaluate(async () => {
        const eg = (globalThis as any).exitgraph;
        const preview = eg.graph.getNodeById(5);
        const before = preview.runState.images.at(-1)?.src;
        const start = performance.now();
        await eg.queue();
        while (preview.runState.images.at(-1)?.src === before || !preview.runState.images.at(-1)?.complete) await new Promise((r) => setTimeout(r, 2));
        return performance.now() - start;
      });
    };
    // A warm-up of each (sessions load), then the two alternate, so that load on the machine
    // weighs on both alike.
    await live(0);
    await plain(0);
    const baseline: number[] = [];
    for (let i = 1; i <= STROKES; i++) {
      await live(i);
      baseline.push(await plain(i));
    }
    const timings = (await liveTimings(page)).slice(1);
    const planned = timings[0]?.planned ?? '?';

    const first = median(timings.map((t) => t.firstMs!));
    const final = median(timings.map((t) => t.finalMs!));
    const base = median(baseline);
    const figures: BenchFigure[] = [
      { name: `stroke -> first preview (${timings[0]?.firstExit}), median of ${STROKES}`, value: first, unit: 'ms' },
      { name: `stroke -> planned exit (${planned}), median of ${STROKES}`, value: final, unit: 'ms' },
      { name: `baseline: queue -> ${planned} on Preview Image, previews off`, value: base, unit: 'ms' },
      { name: 'first preview / baseline', value: first / base, unit: 'x' },
      { name: 'planned exit (live) / baseline', value: final / base, unit: 'x' },
    ];
    return {
      title,
      figures,
      notes: [
        'the live run escalates exit by exit in one run (segments reused); its extra cost over the baseline is the earlier exits\' heads and their preview frames',
        'the baseline includes Preview Image writing its file and the editor fetching it (/view); the live pane gets the frames over /ws',
      ],
    };
  } finally {
    if (!(context instanceof Error)) await context.close();
    await server.close();
    await host.close();
    await rm(workspace, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
}
