/**
 * `exitgraph serve` with its defaults, as `npm start` runs it: the workspace is `.exitgraph/workspace`
 * under the current folder, a hidden path. Every example's output images must still show.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../sdk/index.js';
import { bundleEditor } from '../../editor/client/bundle.mjs';
import { ARTIFACTS, browserAvailable, newGraph, openPage, type BrowserPage } from './browser-harness.js';

const CLI = join(packageRoot(), 'bin', 'exitgraph.js');
const BUILT = join(packageRoot(), 'dist', 'bin', 'cli', 'main.js');
const run = browserAvailable();
let cwd: string;
let serve: ChildProcess;
let url: string;
let browser: BrowserPage;

/** Starts `exitgraph serve --port 0` (no --workspace) in `dir` and resolves with the URL it prints. */
function startServe(dir: string): Promise<{ child: ChildProcess; url: string }> {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((done, fail) => {
    let said = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const match = /exitgraph editor: (http:\/\/[^/\s]+)/.exec(said);
      if (match) done({ child, url: match[1]! });
    });
    child.on('exit', (code) => fail(new Error(`exitgraph serve exited (${code}) before listening:\n${said}`)));
  });
}

beforeAll(async () => {
  if (!run) return;
  await bundleEditor({ minify: false });
  cwd = await mkdtemp(join(tmpdir(), 'exitgraph-default-ws-'));
  ({ child: serve, url } = await startServe(cwd));
  browser = await openPage(url);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  serve?.kill();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

describe.skipIf(!run)('editor on the default workspace (.exitgraph/workspace)', () => {
  it('shows the output images of every example', async () => {
    const { page } = browser;
    const examples = (await (await fetch(`${url}/api/examples`)).json()) as { examples: { name: string; title: string }[] };
    expect(examples.examples.length).toBeGreaterThan(0);
    for (const example of examples.examples) {
      await newGraph(page);
      await page.click('#examples-button');
      await page.click(`.dropdown-item:text-is("${example.title}")`);
      await page.waitForFunction(() => (window as any).exitgraph.graph.nodes.length > 0);
      await page.click('#queue-button');
      // Each output node (one that saves or previews; Save Frames shows its animated preview) ends with a loaded image from /view.
      await page.waitForFunction(
        () => {
          const outputs = (window as any).exitgraph.graph.nodes.filter((n: any) => /SaveImage|PreviewImage|SaveFrames/.test(n.type));
          return outputs.length > 0 && outputs.every((n: any) => n.runState.images.length > 0 && n.runState.images[0].naturalWidth > 0);
        },
        undefined,
        { timeout: 120_000 },
      );
      await page.screenshot({ path: join(ARTIFACTS, `default-workspace-${example.name}.png`) });
    }
    expect(existsSync(join(cwd, '.exitgraph', 'workspace', 'output'))).toBe(true);
    expect(browser.pageErrors).toEqual([]);
  }, 600_000);

  it('still refuses dot-files inside the workspace', async () => {
    await writeFile(join(cwd, '.exitgraph', 'workspace', 'output', '.hidden.png'), 'secret');
    const response = await fetch(`${url}/view?filename=.hidden.png&type=output`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(await response.text()).not.toContain('secret');
  });
});
