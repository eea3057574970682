/**
 * One measured run for the frame-sequences benchmark, in a process of its own so that its peak
 * RSS is its own: `node frame-sequences-child.js <packs dir> <input dir> <frames> <stream|batch>
 * [<router params JSON> <folder to copy the frames to>]`.
 * `stream` runs Load Frames -> Face Reenactor -> Save Frames; `batch` is the baseline a batch
 * design pays: every frame decoded into memory first (as an IMAGE batch would hold them), then
 * the same reenactor and sink. The router params (e.g. {"router":"deadline","deadline_ms":20})
 * go to the Face Reenactor (default: the full model every frame). Prints one JSON line:
 * { frames, mode, max_rss_mb, ms, exits } (exits: frames per exit taken, from Save Frames' report).
 */
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, defineNode, definePack, type Image } from '../../sdk/index.js';
import { framesFromImages } from '../../sdk/early-exit/index.js';
import { createTestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

const [packs, inputDir, framesArg, mode, routerJson, copyTo] = process.argv.slice(2);
const routing = routerJson ? (JSON.parse(routerJson) as Record<string, unknown>) : {};
const frames = Number(framesArg);
process.env.EXITGRAPH_PACKS = packs!;

const batchFrames = defineNode({
  id: 'bench/BatchFrames', version: 1, title: 'Batch Frames', category: 'bench', description: 'Every frame decoded up front',
  inputs: {}, outputs: { frames: { type: 'FRAMES' } }, params: { type: 'object', properties: {} }, cacheable: false,
  run: async () => {
    const names = readdirSync(join(inputDir!, 'drive')).sort().slice(0, frames);
    const images: Image[] = [];
    for (const name of names) images.push(await decodeImage(readFileSync(join(inputDir!, 'drive', name)), name));
    return { frames: framesFromImages('batch', images) };
  },
});

const host = await createTestHost({ builtins: builtinPacks, packs: [definePack({ name: 'bench-frames', nodes: [batchFrames] })] });
await host.workspace.writeInput('source.png', readFileSync(join(inputDir!, 'source.png')));
const drive = mode === 'batch' ? { class_type: 'bench/BatchFrames', inputs: {} } : { class_type: 'exitgraph/LoadFrames', inputs: { path: join(inputDir!, 'drive'), max_frames: frames } };
const start = performance.now();
const run = await host.run({
  src: { class_type: 'exitgraph/LoadImage', inputs: { image: 'source.png' } },
  drv: drive,
  fr: { class_type: 'exitgraph/FaceReenactor', inputs: { source: ['src', 0], driving_frames: ['drv', 0], ...routing } },
  save: { class_type: 'exitgraph/SaveFrames', inputs: { frames: ['fr', 1], filename_prefix: 'out/f', preview: 'none' } },
});
const ms = performance.now() - start;
if (run.status !== 'success') throw new Error(`frame-sequences bench run failed: ${JSON.stringify(run.error?.message ?? run.status)}`);
if (copyTo) cpSync(host.workspace.resolveOutput('out'), copyTo, { recursive: true });
await host.close();
const exits = (run.ui.save as { exits?: Record<string, number> } | undefined)?.exits ?? {};
console.log(JSON.stringify({ frames, mode, max_rss_mb: process.resourceUsage().maxRSS / 1024, ms, exits }));
