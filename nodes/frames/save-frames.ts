import { basename, dirname, relative } from 'node:path';
import { OutputExistsError, asciiJson, defineNode, encodePng, type NodeContext } from '../../sdk/index.js';
import { isSkipped, type FrameSequence, type SkippedFrame } from '../../sdk/early-exit/index.js';
import { writeNumbered, type SavedFile } from '../image/output-files.js';
import { FramePreview, type PreviewFormat } from './frame-preview.js';

interface SaveFramesParams {
  filename_prefix: string;
  preview: PreviewFormat | 'none';
  fps: number;
  preview_size: number;
}

/** Most frames an animated preview holds (longer sequences are previewed at a coarser step). */
const PREVIEW_FRAMES = 120;
/** Least time between two previews on the node: a preview per frame would flood the editor's socket. */
const PREVIEW_EVERY_MS = 250;
/** Skipped frames listed in the ui payload (all are counted). */
const LISTED_SKIPS = 50;

export const saveFrames = defineNode({
  id: 'exitgraph/SaveFrames',
  version: 1,
  title: 'Save Frames',
  category: 'frames',
  description:
    'Writes every frame of a sequence as a numbered PNG (<prefix>_00001_.png, ...; never overwriting, the graph embedded as in Save Image) and an animated WebP or GIF preview. Frames are pulled, written and released one at a time, so memory stays flat in the number of frames; the node reports progress per frame. Frames skipped upstream are listed with the node and reason.',
  inputs: { frames: { type: 'FRAMES' } },
  outputs: {},
  params: {
    type: 'object',
    properties: {
      filename_prefix: { type: 'string', default: 'frames/exitgraph', pattern: '^[^\\\\]*$', description: 'File name prefix; may contain sub-folders' },
      preview: { enum: ['webp', 'gif', 'none'], default: 'webp', description: 'Animated preview written beside the frames' },
      fps: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 12, description: 'Frames per second of the preview' },
      preview_size: { type: 'integer', minimum: 16, maximum: 1024, default: 256, description: 'Longest side of the preview in pixels' },
    },
  },
  output: true,
  cacheable: false,
  run: async (ctx, inputs, params: SaveFramesParams) => {
    const sequence: FrameSequence = inputs.frames;
    const writer = new FrameWriter(ctx, params.filename_prefix);
    const preview = params.preview === 'none' ? undefined : new FramePreview(params.preview_size, PREVIEW_FRAMES);
    const skipped: SkippedFrame[] = [];
    let done = 0;
    let first: SavedFile | undefined;
    let last: SavedFile | undefined;
    let previewed = -Infinity;
    // Frames made by an early-exit model: frames per exit and the mean share of the full model's MACs.
    const exits: Record<string, number> = {};
    let shares = 0;
    let costed = 0;
    ctx.progress(0, sequence.count ?? 0);
    for await (const item of sequence.frames(ctx.signal)) {
      if (isSkipped(item)) {
        skipped.push(item);
        ctx.log.warn(`frame ${item.index} (${item.name}) skipped by node ${item.node}: ${item.skipped}`);
      } else {
        last = await writer.write(item.image);
        if (item.cost) {
          exits[item.cost.exit] = (exits[item.cost.exit] ?? 0) + 1;
          shares += item.cost.macsShare;
          costed++;
        }
        first ??= last;
        await preview?.add(item.image);
        // The latest frame shown on the node as the sequence goes, a few times a second.
        if (performance.now() - previewed >= PREVIEW_EVERY_MS) {
          previewed = performance.now();
          ctx.preview(item.image);
        }
      }
      done++;
      ctx.progress(done, sequence.count ?? done);
    }
    const animated = preview && first ? await writer.writePreview(preview, params.preview as PreviewFormat, params.fps) : undefined;
    ctx.ui({
      frames: done - skipped.length,
      skipped: skipped.length,
      ...(skipped.length ? { skipped_frames: skipped.slice(0, LISTED_SKIPS).map(({ index, name, node, skipped: reason }) => ({ index, name, node, reason })) } : {}),
      ...(first && last ? { first: first.filename, last: last.filename, subfolder: first.subfolder } : {}),
      ...(costed ? { exits, saved: 1 - shares / costed } : {}),
      // ComfyUI clients show `images`: the animated preview stands for the sequence.
      ...(animated ? { images: [animated], animated: [true] } : {}),
    });
    return {};
  },
});

/** Numbered PNGs in one folder: the first free number found once, then counted up (exclusively claimed). */
class FrameWriter {
  readonly #folder: string;
  readonly #stem: string;
  readonly #text: Record<string, string>;
  #next = 0;

  constructor(
    private readonly ctx: NodeContext,
    prefix: string,
  ) {
    const probe = ctx.workspace.resolveOutput(`${prefix}_00000_.png`);
    this.#folder = dirname(probe);
    this.#stem = basename(probe).slice(0, -'_00000_.png'.length);
    this.#text = { prompt: asciiJson(ctx.graph.prompt), ...(ctx.graph.workflow === undefined ? {} : { workflow: asciiJson(ctx.graph.workflow) }) };
  }

  async write(image: Parameters<typeof encodePng>[0]): Promise<SavedFile> {
    const png = await encodePng(image, this.#text);
    this.ctx.signal.throwIfAborted();
    const { workspace } = this.ctx;
    let filename: string;
    if (!this.#next) {
      filename = await writeNumbered(workspace, this.#folder, this.#stem, png);
      this.#next = Number(/_(\d+)_\.png$/.exec(filename)![1]) + 1;
    } else {
      filename = await this.#claim(png);
    }
    return { filename, subfolder: relative(workspace.outputDir, this.#folder), type: 'output' };
  }

  async writePreview(preview: FramePreview, format: PreviewFormat, fps: number): Promise<SavedFile | undefined> {
    const bytes = await preview.encode(format, fps);
    if (!bytes) return undefined;
    const { workspace } = this.ctx;
    const filename = `${this.#stem}_preview_${String(this.#next - 1).padStart(5, '0')}.${format}`;
    await workspace.writeOutput(relative(workspace.outputDir, `${this.#folder}/${filename}`), bytes);
    return { filename, subfolder: relative(workspace.outputDir, this.#folder), type: 'output' };
  }

  async #claim(png: Uint8Array): Promise<string> {
    const { workspace } = this.ctx;
    for (;;) {
      const filename = `${this.#stem}_${String(this.#next++).padStart(5, '0')}_.png`;
      try {
        await workspace.writeOutput(relative(workspace.outputDir, `${this.#folder}/${filename}`), png, { exclusive: true });
        return filename;
      } catch (error) {
        if (!(error instanceof OutputExistsError)) throw error;
      }
    }
  }
}
