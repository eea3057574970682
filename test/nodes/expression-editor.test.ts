/**
 * The Expression Editor on the shipped faces pack (models/packs/faces, real onnxruntime sessions
 * on cpu): sliders draw a driving portrait with the pack's renderer, and the source is reenacted
 * with it through the same path as Face Reenactor. Pack figures are not pinned (the pack may be
 * rebuilt): the tests check relations to the renderer and to a direct run of the pack.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, imageFromBytes, packageRoot, readImageFile, readPngText, type Image } from '../../sdk/index.js';
import { PackRunner } from '../../sdk/early-exit/index.js';
import { createTestHost, firstNodeError, runNode, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { DRIVER_IDENTITY } from '../../nodes/faces/driver-identity.js';
import { expressionEditor } from '../../nodes/faces/expression-editor.js';
import { neutralExpression, renderPortrait, type PortraitExpression } from '../../nodes/faces/portrait-render.js';
import { ensureBuilt, exitgraph } from '../cli/cli-harness.js';

const root = packageRoot();
const SMILE = { smile: 1, mouth_open: 0.8, brow_raise: 0.5 } as const;

let host: TestHost;
let runner: PackRunner;
let source: Image;
beforeAll(async () => {
  host = await createTestHost({ builtins: builtinPacks });
  runner = await PackRunner.open(join(root, 'models', 'packs', 'faces'), { device: 'cpu' });
  source = await readImageFile(join(root, 'examples', 'faces', 'sources', 'busy.png'));
});
afterAll(() => host?.close());

const drawn = (expression: Partial<PortraitExpression>): Image => imageFromBytes(renderPortrait(DRIVER_IDENTITY, { ...neutralExpression(), ...expression }), 128, 128, 3);

function meanAbsDiff(a: Image, b: Image): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

/** Pixels where some channel differs by more than `by` (a visible change, not rounding). */
function changedPixels(a: Image, b: Image, by = 0.05): number {
  let count = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    if ([0, 1, 2].some((k) => Math.abs(a.data[p * 3 + k]! - b.data[p * 3 + k]!) > by)) count++;
  }
  return count;
}

async function edit(params: Record<string, unknown>) {
  const run = await runNode(host, expressionEditor, { inputs: { source }, params });
  expect(run.status, run.error?.message).toBe('success');
  return { image: run.outputs!.image as Image, driving: run.outputs!.driving as Image, ui: run.ui };
}

describe('Expression Editor on the faces pack', () => {
  it('reenacts the source with the portrait the sliders draw: driving is the renderer\'s picture, image the full model on source and it', async () => {
    const neutral = await edit({});
    const smile = await edit(SMILE);
    for (const [out, expression] of [[neutral, {}], [smile, SMILE]] as const) {
      expect(Array.from(out.driving.data)).toEqual(Array.from(drawn(expression).data));
      expect([out.image.width, out.image.height, out.image.channels]).toEqual([128, 128, 3]);
      for (const v of out.image.data) expect(v >= 0 && v <= 1).toBe(true);
      // The default router is the full model: the same pixels as running the pack directly.
      const direct = await runner.runExit({ source, driving: out.driving }, 'full');
      expect(meanAbsDiff(out.image, direct.image)).toBeLessThan(1e-6);
      expect(out.ui).toMatchObject({ exit_name: 'full', saved: 0 });
    }
    // The sliders change the picture (a smile with an open mouth is not the neutral face), and
    // the result is neither the source nor the drawn driver returned unchanged.
    expect(changedPixels(neutral.driving, smile.driving)).toBeGreaterThan(50);
    expect(changedPixels(neutral.image, smile.image)).toBeGreaterThan(20);
    expect(changedPixels(smile.image, source)).toBeGreaterThan(50);
    expect(changedPixels(smile.image, smile.driving)).toBeGreaterThan(50);
  });

  it('routes with the router params Face Reenactor has (fixed exit 0 here)', async () => {
    const fixed = await edit({ ...SMILE, router: 'fixed', exit: 0 });
    const direct = await runner.runExit({ source, driving: drawn(SMILE) }, 0);
    expect(meanAbsDiff(fixed.image, direct.image)).toBeLessThan(1e-6);
    expect(fixed.ui).toMatchObject({ exit: 0 });
    expect(fixed.ui.saved as number).toBeGreaterThan(0);
  });

  it('rejects slider values out of their range, naming the param', async () => {
    const run = runNode(host, expressionEditor, { inputs: { source }, params: { smile: 1.5, yaw: -2 } });
    await expect(run).rejects.toThrow(/param "smile" must be <= 1 \[invalid_param\][^]*param "yaw" must be >= -0\.6 \[invalid_param\]/);
  });

  it('shows its sliders as bounded numbers defaulting to the neutral expression', () => {
    const props = expressionEditor.params.properties as Record<string, { type: string; minimum: number; maximum: number; default: number }>;
    expect(props.yaw).toMatchObject({ type: 'number', minimum: -0.6, maximum: 0.6, default: 0 });
    expect(props.smile).toMatchObject({ minimum: -0.6, maximum: 1, default: 0 });
    expect(Object.keys(props).slice(0, 11)).toEqual(Object.keys(neutralExpression()));
  });
});

describe('a frames-free graph with the Expression Editor through the CLI', () => {
  let out: string;
  beforeAll(() => {
    ensureBuilt();
    out = mkdtempSync(join(tmpdir(), 'exitgraph-expression-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs examples/graphs/faces-expression.json and writes the result, with the drawn driver as a preview', async () => {
    const graph = join(root, 'examples', 'graphs', 'faces-expression.json');
    const result = await exitgraph(['run', graph, '--out', out, '--device', 'cpu']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('node 2 (exitgraph/ExpressionEditor) done');
    const written = readdirSync(out).filter((f) => f.endsWith('.png'));
    expect(written).toEqual(['faces-expression_00001_.png']);
    const file = readFileSync(join(out, written[0]!));
    const image = await decodeImage(file, written[0]!);
    expect([image.width, image.height, image.channels]).toEqual([128, 128, 3]);
    expect(JSON.parse(readPngText(file).prompt!)['2'].class_type).toBe('exitgraph/ExpressionEditor@1');
    const preview = readdirSync(join(out, 'previews')).filter((f) => f.endsWith('.png'));
    const driving = await decodeImage(readFileSync(join(out, 'previews', preview[0]!)), preview[0]!);
    const sliders = JSON.parse(readFileSync(graph, 'utf8'))['2'].inputs as Record<string, unknown>;
    const expression = Object.fromEntries(Object.keys(neutralExpression()).filter((k) => k in sliders).map((k) => [k, sliders[k]]));
    expect(Array.from(driving.data)).toEqual(Array.from(drawn(expression).data));
  });
});
