/**
 * Drives Debian's Chromium with playwright-core against a real editor server on loopback.
 * Browser tests skip (with a message) when /usr/bin/chromium is missing, but fail under CI=true.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createHost, packageRoot, type NodePack } from '../../sdk/index.js';
import { earlyExitPack } from '../../sdk/early-exit/index.js';
import { builtinNodes } from '../../nodes/index.js';
import { startServer, type RunningServer } from '../../editor/server/index.js';
import { bundleEditor } from '../../editor/client/bundle.mjs';
import { testPack } from '../server/test-pack.js';

/** Debian's Chromium; EXITGRAPH_CHROMIUM points elsewhere on other systems. */
export const CHROMIUM = process.env.EXITGRAPH_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
export const ARTIFACTS = join(packageRoot(), 'test-artifacts', 'browser');

/** Whether to run: Chromium present, or CI (where its absence must fail the run). */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing, and CI=true: install Debian's chromium package to run the browser tests`);
  console.warn(`skipping browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);
  return false;
}

export interface EditorSession {
  readonly server: RunningServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and failed requests seen by the page. */
  readonly pageErrors: string[];
  stop(): Promise<void>;
}

/** Bundles the editor, starts a server (built-in nodes + the test pack + extra packs) and opens the editor. */
export async function openEditor(extraPacks: readonly NodePack[] = []): Promise<EditorSession> {
  await bundleEditor({ minify: false });
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-browser-'));
  const builtins = builtinNodes;
  const known = new Set(builtins.nodes.map((n) => n.id));
  const packs = [earlyExitPack, builtins, testPack, ...extraPacks.map((p) => ({ ...p, nodes: p.nodes.filter((n) => !known.has(n.id)) }))];
  const host = await createHost({ builtins: packs });
  const server = await startServer({ host, port: 0, workspace, log: () => {} });

  const browser = await openPage(server.url);
  return {
    server,
    ...browser,
    stop: async () => {
      await browser.close();
      await server.close();
      await rm(workspace, { recursive: true, force: true });
    },
  };
}

export interface BrowserPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and failed requests seen by the page. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/** Opens the editor at `url` in a fresh Chromium profile and waits until it is ready. */
export async function openPage(url: string): Promise<BrowserPage> {
  const profile = await mkdtemp(join(tmpdir(), 'exitgraph-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && pageErrors.push(`console: ${message.text()}`));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    pageErrors,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Page coordinates of a point given in graph coordinates. */
export async function graphToPage(page: Page, point: [number, number]): Promise<{ x: number; y: number }> {
  return page.evaluate(async ([x, y]) => {
    const { canvas } = (window as any).exitgraph;
    const toPage = (): { x: number; y: number } => {
      const [cx, cy] = canvas.ds.convertOffsetToCanvas([x, y]);
      const rect = canvas.canvas.getBoundingClientRect();
      return { x: rect.left + cx * (rect.width / canvas.canvas.width), y: rect.top + cy * (rect.height / canvas.canvas.height) };
    };
    // On a loaded machine the canvas can still be resizing or settling its offset in its first
    // frames: a point read then is stale by the time a click or hover lands. Read until two
    // frames agree (about a second at most).
    const frame = (): Promise<unknown> => new Promise((next) => requestAnimationFrame(next));
    let at = toPage();
    for (let tries = 0; tries < 60; tries++) {
      await frame();
      const again = toPage();
      if (again.x === at.x && again.y === at.y) return again;
      at = again;
    }
    return at;
  }, point);
}

/** Clicks New, discarding unsaved changes when the editor asks. */
export async function newGraph(page: Page): Promise<void> {
  await page.click('#new-button');
  const confirm = page.locator('#confirm-dialog #confirm-ok');
  if (await confirm.isVisible()) await confirm.click();
  await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length === 0);
}
