import { createHash } from 'node:crypto';
import { defineNode } from '../../sdk/index.js';
import { FrameError, frameSequence, type FrameErrorPolicy, type FrameItem } from '../../sdk/early-exit/index.js';
import { openFrameSource, readFrame } from './frame-files.js';

interface LoadFramesParams {
  path: string;
  max_frames: number;
  on_frame_error: FrameErrorPolicy;
}

export const loadFrames = defineNode({
  id: 'exitgraph/LoadFrames',
  version: 1,
  title: 'Load Frames',
  category: 'frames',
  description:
    'A frame sequence from a folder of PNG, JPEG or WebP frames (in name order, frame_2 before frame_10) or from an animated GIF or WebP. Frames are read one at a time as later nodes ask for them, so a long video never sits in memory. A frame that cannot be decoded is skipped and reported by the node that saves the frames (on_frame_error: skip), or fails the run (fail).',
  inputs: {},
  outputs: { frames: { type: 'FRAMES' } },
  params: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'Folder of frames or an animated GIF/WebP, relative to the input folder' },
      max_frames: { type: 'integer', minimum: 0, default: 0, description: 'Read at most this many frames (0: all)' },
      on_frame_error: { enum: ['skip', 'fail'], default: 'skip', description: 'A frame that cannot be decoded: skip it and report it, or fail the run' },
    },
    required: ['path'],
  },
  // The folder's listing can change between runs while the graph stays the same: key the cache on it.
  fingerprint: async (params: LoadFramesParams, ctx) => {
    const source = await openFrameSource(ctx.workspace, params.path).catch(() => undefined);
    if (!source) return 'missing';
    const hash = createHash('sha256');
    if (source.kind === 'folder') hash.update(source.names.join('\u0000'));
    else hash.update(source.bytes);
    return hash.digest('hex');
  },
  run: async (ctx, _inputs, params: LoadFramesParams) => {
    const { workspace } = ctx;
    const source = await openFrameSource(workspace, params.path);
    const available = source.kind === 'folder' ? source.names.length : source.pages;
    const count = params.max_frames > 0 ? Math.min(params.max_frames, available) : available;
    const label = `${params.path} (${count} frame${count === 1 ? '' : 's'})`;
    const node = ctx.nodeId;
    // The sequence holds the listing (or the compressed animated file), never decoded frames.
    const frames = frameSequence(label, count, async function* (signal): AsyncGenerator<FrameItem> {
      for (let index = 0; index < count; index++) {
        signal?.throwIfAborted();
        let item: FrameItem;
        try {
          item = { index, ...(await readFrame(workspace, source, index)) };
        } catch (error) {
          const name = source.kind === 'folder' ? source.names[index]! : `${source.path}#${index}`;
          if (params.on_frame_error === 'fail') throw new FrameError(node, { index, name }, (error as Error).message, { cause: error });
          item = { index, name, node, skipped: (error as Error).message };
        }
        yield item;
      }
    });
    ctx.ui({ frames: count, source: source.kind });
    return { frames };
  },
});
