/**
 * Frame sequences through a graph with the two-input stub face pack (real onnxruntime sessions,
 * real files): Load Frames -> Face Reenactor -> Save Frames, streamed frame by frame with progress
 * per frame, the per-frame error policy, routers per frame, and frames not retained.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, decodeImage, defineNode, definePack, encodePng, type Image } from '../../sdk/index.js';
import { PackRunner, frameSequence } from '../../sdk/early-exit/index.js';
import { createTestHost, eventsOf, firstNodeError, writeStubPack, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

const SIZE = 16;
const packs = mkdtempSync(join(tmpdir(), 'exitgraph-face-packs-'));
writeStubPack(join(packs, 'faces'), { name: 'faces', inputs: ['source', 'driving'], predicted: [0.3, 0.2, 0.1, 0], size: SIZE });
process.env.EXITGRAPH_PACKS = packs;

function picture(seed: number, size = SIZE): Image {
  return createImage(size, size, 3, Float32Array.from({ length: size * size * 3 }, (_, i) => (Math.sin(seed * 3.7 + i * 0.21) + 1) / 2));
}

/** What the driving frames and source decode to (8-bit, as read back from PNG). */
async function roundTrip(image: Image): Promise<Image> {
  return decodeImage(await encodePng(image), 'test');
}

/**
 * A test source of `count` synthetic frames, made on demand, that counts how many of its frames
 * are still alive (made and not yet garbage-collected) whenever it makes one.
 */
function countingFrames(count: number, liveAtFrame: number[]) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  let made = 0;
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => void collected++);
  return defineNode({
    id: 'test/CountingFrames',
    version: 1,
    title: 'Counting Frames',
    category: 'test',
    description: 'Synthetic frames that count how many are alive',
    inputs: {},
    outputs: { frames: { type: 'FRAMES' } },
    params: { type: 'object', properties: {} },
    cacheable: false,
    run: async () => ({
      frames: frameSequence('counting', count, async function* () {
        for (let index = 0; index < count; index++) {
          if (index % 10 === 0) {
            gc();
            // Finalization callbacks run in later tasks.
            for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
            liveAtFrame.push(made - collected);
          }
          const image = picture(1000 + index);
          registry.register(image, index);
          made++;
          yield { index, name: `synthetic ${index}`, image };
        }
      }),
    }),
  });
}

const liveAtFrame: number[] = [];
let box: TestHost;
let runner: PackRunner;
let source: Image;
beforeAll(async () => {
  box = await createTestHost({ builtins: builtinPacks, packs: [definePack({ name: 'test-frames', nodes: [countingFrames(60, liveAtFrame)] })] });
  runner = await PackRunner.open(join(packs, 'faces'), { device: 'cpu' });
  await writeInputs(box);
  source = await decodeImage(readFileSync(join(box.workspace.inputDir, 'source.png')), 'source.png');
});

/** source.png, and 60 frames named frame_1 .. frame_60 in drive/: name order, not text order (frame_2 before frame_10). */
async function writeInputs(host: TestHost): Promise<void> {
  writeFileSync(join(host.workspace.inputDir, 'source.png'), await encodePng(picture(1)));
  mkdirSync(join(host.workspace.inputDir, 'drive'));
  for (let i = 1; i <= 60; i++) writeFileSync(join(host.workspace.inputDir, 'drive', `frame_${i}.png`), await encodePng(picture(100 + i)));
}
afterAll(() => box?.close());

const outputs = (folder: string): string[] => readdirSync(join(box.workspace.outputDir, folder)).sort();

function sequenceGraph(reenactor: Record<string, unknown> = {}, drive = 'drive', prefix = 'out/faces') {
  return {
    src: { class_type: 'exitgraph/LoadImage', inputs: { image: 'source.png' } },
    drv: { class_type: 'exitgraph/LoadFrames', inputs: { path: drive } },
    fr: { class_type: 'exitgraph/FaceReenactor', inputs: { source: ['src', 0], driving_frames: ['drv', 0], ...reenactor } },
    save: { class_type: 'exitgraph/SaveFrames', inputs: { frames: ['fr', 1], filename_prefix: prefix } },
  };
}

describe('a 60-frame driving sequence through one graph', () => {
  it('writes every frame in name order, equal to a direct run of the pack, with an animated preview and progress per frame', async () => {
    const run = await box.run(sequenceGraph());
    expect(run.status, firstNodeError(run.events)?.message).toBe('success');
    const files = outputs('out');
    const pngs = files.filter((f) => f.endsWith('_.png'));
    expect(pngs).toHaveLength(60);
    expect(pngs[0]).toBe('faces_00001_.png');
    expect(files).toContain('faces_preview_00060.webp');
    const preview = await sharp(readFileSync(join(box.workspace.outputDir, 'out', 'faces_preview_00060.webp')), { animated: true }).metadata();
    expect(preview.pages).toBe(60);
    // Frame 10 (frame_10.png, the 10th by name) is the full model on the source and that frame.
    for (const n of [2, 10]) {
      const driving = await roundTrip(picture(100 + n));
      const direct = await roundTrip((await runner.runExit({ source, driving }, 'full')).image);
      const saved = await decodeImage(readFileSync(join(box.workspace.outputDir, 'out', pngs[n - 1]!)), pngs[n - 1]!);
      expect(Array.from(saved.data)).toEqual(Array.from(direct.data));
    }
    const progress = eventsOf(run.events, 'node:progress');
    expect(progress.filter((e) => e.nodeId === 'fr').map((e) => [e.done, e.total])).toEqual(Array.from({ length: 60 }, (_, i) => [i + 1, 60]));
    expect(progress.filter((e) => e.nodeId === 'save').at(-1)).toMatchObject({ done: 60, total: 60 });
    expect(run.ui.save).toMatchObject({ frames: 60, skipped: 0 });
  });

  it('does not keep frames alive while it streams (memory flat in the number of frames)', async () => {
    const run = await box.run({
      src: { class_type: 'exitgraph/LoadImage', inputs: { image: 'source.png' } },
      drv: { class_type: 'test/CountingFrames', inputs: {} },
      fr: { class_type: 'exitgraph/FaceReenactor', inputs: { source: ['src', 0], driving_frames: ['drv', 0] } },
      save: { class_type: 'exitgraph/SaveFrames', inputs: { frames: ['fr', 1], filename_prefix: 'counted/f', preview: 'none' } },
    });
    expect(run.status, firstNodeError(run.events)?.message).toBe('success');
    expect(outputs('counted')).toHaveLength(60);
    // Checked every 10 frames (two passes: the image output's first frame, then the sequence).
    expect(liveAtFrame.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...liveAtFrame)).toBeLessThanOrEqual(3);
  });

  it('skips and reports frames that fail (an undecodable file, a frame of the wrong size), or fails naming node and frame', async () => {
    const drive = 'drive-bad';
    mkdirSync(join(box.workspace.inputDir, drive));
    for (let i = 1; i <= 5; i++) writeFileSync(join(box.workspace.inputDir, drive, `frame_${i}.png`), await encodePng(picture(200 + i)));
    writeFileSync(join(box.workspace.inputDir, drive, 'frame_3.png'), 'not a png');
    writeFileSync(join(box.workspace.inputDir, drive, 'frame_4.png'), await encodePng(picture(9, 32)));
    const skipped = await box.run(sequenceGraph({}, drive, 'bad/skip'));
    expect(skipped.status, firstNodeError(skipped.events)?.message).toBe('success');
    expect(outputs('bad').filter((f) => f.endsWith('_.png'))).toHaveLength(3);
    expect(skipped.ui.save).toMatchObject({ frames: 3, skipped: 2 });
    const reported = (skipped.ui.save as { skipped_frames: { index: number; name: string; node: string; reason: string }[] }).skipped_frames;
    expect(reported.map(({ index, name, node }) => ({ index, name, node }))).toEqual([
      { index: 2, name: 'frame_3.png', node: 'drv' },
      { index: 3, name: 'frame_4.png', node: 'fr' },
    ]);
    expect(reported[0]!.reason).toMatch(/frame_3\.png could not be decoded/);
    expect(reported[1]!.reason).toMatch(/pack faces takes 16x16 inputs, got 32x32/);
    expect(eventsOf(skipped.events, 'node:log').filter((e) => e.level === 'warn')).toHaveLength(2);

    const failed = await box.run({ ...sequenceGraph({ on_frame_error: 'fail' }, drive, 'bad/fail'), drv: { class_type: 'exitgraph/LoadFrames', inputs: { path: drive, on_frame_error: 'skip' } } });
    expect(failed.status).toBe('error');
    expect(firstNodeError(failed.events)?.message).toMatch(/frame 3 \(frame_4\.png\) failed in node fr: pack faces takes 16x16 inputs, got 32x32/);
  });

  it('routes every frame with the router in its params (fixed exit 1 here)', async () => {
    const run = await box.run(sequenceGraph({ router: 'fixed', exit: 1 }, 'drive', 'fixed/f'));
    expect(run.status, firstNodeError(run.events)?.message).toBe('success');
    const saved = await decodeImage(readFileSync(join(box.workspace.outputDir, 'fixed', 'f_00005_.png')), 'f_00005_.png');
    const direct = await roundTrip((await runner.runExit({ source, driving: await roundTrip(picture(105)) }, 1)).image);
    expect(Array.from(saved.data)).toEqual(Array.from(direct.data));
    // Save Frames sums up what the frames cost: frames per exit and the mean saving.
    const ui = run.ui.save as { frames: number; exits: Record<string, number>; saved: number };
    expect(ui.exits).toEqual({ exit1: ui.frames });
    expect(ui.saved).toBeCloseTo(1 - runner.pack.costs.exits[1]!.macs / runner.pack.costs.full, 9);
  });
});

describe('per-frame exit plans from a stream router', () => {
  it('the deadline router picks an exit per frame: the earliest within tau while every exit fits, the earliest once none does', async () => {
    // A host of its own: the deadline router starts from the latencies this host has measured.
    const fresh = await createTestHost({ builtins: builtinPacks });
    try {
      await writeInputs(fresh);
      const saved = async (folder: string, n: number): Promise<number[]> => Array.from((await decodeImage(readFileSync(join(fresh.workspace.outputDir, folder, `f_${String(n).padStart(5, '0')}_.png`)), 'f')).data);
      const direct = async (n: number, exit: number): Promise<number[]> => Array.from((await roundTrip((await runner.runExit({ source, driving: await roundTrip(picture(100 + n)) }, exit)).image)).data);
      // Time enough for every exit: the earliest predicted <= tau (the stub predicts 0.3, 0.2, 0.1, 0: exit 2).
      const relaxed = await fresh.run(sequenceGraph({ router: 'deadline', deadline_ms: 1e6, tau: 0.15 }, 'drive', 'relaxed/f'));
      expect(relaxed.status, firstNodeError(relaxed.events)?.message).toBe('success');
      for (const n of [1, 60]) expect(await saved('relaxed', n)).toEqual(await direct(n, 2));
      // No exit fits 1 ns: once the frames run have measured the exits, the earliest exit.
      const tight = await fresh.run(sequenceGraph({ router: 'deadline', deadline_ms: 1e-6, tau: 0.1 }, 'drive', 'tight/f'));
      expect(tight.status, firstNodeError(tight.events)?.message).toBe('success');
      expect(await saved('tight', 60)).toEqual(await direct(60, 0));
    } finally {
      await fresh.close();
    }
  });
});

describe('Face Reenactor on one driving image', () => {
  it('gives the pack output with the stage cost apart', async () => {
    writeFileSync(join(box.workspace.inputDir, 'driving.png'), await encodePng(picture(7)));
    const run = await box.run({
      src: { class_type: 'exitgraph/LoadImage', inputs: { image: 'source.png' } },
      drv: { class_type: 'exitgraph/LoadImage', inputs: { image: 'driving.png' } },
      fr: { class_type: 'exitgraph/FaceReenactor', inputs: { source: ['src', 0], driving: ['drv', 0], router: 'fixed', exit: 0 } },
      out: { class_type: 'exitgraph/SaveImage', inputs: { image: ['fr', 0], filename_prefix: 'single' } },
    });
    expect(run.status, firstNodeError(run.events)?.message).toBe('success');
    expect(run.ui.fr).toMatchObject({ exit: 0, exit_name: 'exit0', macs: runner.pack.costs.exits[0]!.macs });
    const saved = await decodeImage(readFileSync(join(box.workspace.outputDir, 'single_00001_.png')), 'single');
    const direct = await roundTrip((await runner.runExit({ source, driving: await roundTrip(picture(7)) }, 0)).image);
    expect(Array.from(saved.data)).toEqual(Array.from(direct.data));
  });

  it('names the node and the pack when the face pack is not installed', async () => {
    const run = await box.run({
      src: { class_type: 'exitgraph/LoadImage', inputs: { image: 'source.png' } },
      fr: { class_type: 'exitgraph/FaceReenactor', inputs: { source: ['src', 0], driving: ['src', 0], pack: 'faces-missing' } },
      out: { class_type: 'exitgraph/SaveImage', inputs: { image: ['fr', 0] } },
    });
    expect(run.status).toBe('error');
    expect(firstNodeError(run.events)).toMatchObject({ nodeId: 'fr', classType: 'exitgraph/FaceReenactor' });
    expect(firstNodeError(run.events)?.message).toMatch(/Face Reenactor needs the "faces-missing" model pack, which is not installed/);
  });
});
