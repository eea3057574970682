/**
 * Frame sequences in a graph (FRAMES): a video or image sequence that streams through nodes one
 * frame at a time instead of being held in memory.
 *
 * A FRAMES value is a *recipe*, not the frames: `frames(signal)` starts a fresh pass that reads
 * or computes each frame when the consumer asks for it, and forgets it once handed on. Nodes
 * that transform frames (`mapFrames`) return a new recipe at once; the work happens when a sink
 * (Save Frames) pulls. So a 4,000-frame video costs the memory of a frame or two, whatever its
 * length, and a sequence can be passed twice (each pass reads again) without the engine's
 * output cache keeping frames alive. This is chaiNNer's iterator model rather than ComfyUI's
 * IMAGE batches, whose whole-video tensors are what exhausts memory on long sequences.
 *
 * A frame that fails is either fatal (`on_error: 'fail'`, the error names the node and frame) or
 * skipped and reported (`'skip'`): the sequence then carries a `skipped` item in its place, so
 * sinks can say which frames are missing and why, and later nodes pass it on untouched.
 */
import { definePortType } from '../../kernel/ports/port-type.js';
import { isImage, type Image } from '../../kernel/image/image.js';

/** How a step made a frame with an early-exit model: the exit taken and its share of the full model's MACs. */
export interface FrameCost {
  readonly exit: string;
  readonly macsShare: number;
}

/** One frame of a sequence: its position and a name (file name, or `frame <n>`). */
export interface Frame {
  readonly index: number;
  readonly name: string;
  readonly image: Image;
  /** Set by a step that ran a model (Face Reenactor); later steps that do not carry it through. */
  readonly cost?: FrameCost;
}

/** A frame a node could not produce, under the skip policy: where it was dropped and why. */
export interface SkippedFrame {
  readonly index: number;
  readonly name: string;
  /** Graph node id that dropped it. */
  readonly node: string;
  readonly skipped: string;
}

export type FrameItem = Frame | SkippedFrame;

export function isSkipped(item: FrameItem): item is SkippedFrame {
  return 'skipped' in item;
}

export interface FrameSequence {
  /** What the frames are, for messages (`frames/ (60 PNG)`, `Face Reenactor of ...`). */
  readonly label: string;
  /** Number of items a pass yields, when known before reading (a folder, an animated image). */
  readonly count?: number;
  /**
   * A fresh pass over the sequence, one item at a time, read or computed on demand. Stops (throws
   * the reason) once `signal` fires. Breaking out of the loop ends the pass and frees what it held.
   */
  frames(signal?: AbortSignal): AsyncIterable<FrameItem>;
}

export type FrameErrorPolicy = 'skip' | 'fail';

/** A frame failed under the `fail` policy: the error names the node and the frame. */
export class FrameError extends Error {
  constructor(
    readonly node: string,
    readonly frame: { readonly index: number; readonly name: string },
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`frame ${frame.index} (${frame.name}) failed in node ${node}: ${reason}`, options);
    this.name = 'FrameError';
  }
}

export const FRAMES = definePortType({
  name: 'FRAMES',
  description: 'A sequence of images (video frames) streamed one at a time, never held whole in memory',
  color: '#4dd0e1',
});

declare module '../../kernel/ports/port-values.js' {
  interface PortValues {
    FRAMES: FrameSequence;
  }
}

/**
 * A sequence from a function that yields frames (or skipped items) on demand; each call of
 * `frames` calls `produce` again, so every pass reads afresh.
 */
export function frameSequence(label: string, count: number | undefined, produce: (signal: AbortSignal | undefined) => AsyncIterable<FrameItem>): FrameSequence {
  return { label, ...(count === undefined ? {} : { count }), frames: (signal) => produce(signal) };
}

/** A sequence of images already in memory (tests, a single image as a one-frame sequence). */
export function framesFromImages(label: string, images: readonly Image[]): FrameSequence {
  return frameSequence(label, images.length, async function* (signal) {
    for (const [index, image] of images.entries()) {
      signal?.throwIfAborted();
      yield { index, name: `frame ${index}`, image };
    }
  });
}

export interface FrameStep {
  /** Graph node id doing the step (named in errors and skipped items). */
  readonly node: string;
  /** What the step makes of the frames, for the new sequence's label. */
  readonly label: string;
  readonly onError: FrameErrorPolicy;
  /** The work on one frame: its image, or its image and what making it cost (a model's exit). */
  map(frame: Frame, signal: AbortSignal | undefined): Promise<Image | { readonly image: Image; readonly cost: FrameCost }>;
  /** Called after each item of a pass (done so far, total when known). */
  progress?(done: number, total: number | undefined): void;
}

/**
 * A sequence whose frames are `step.map` of `source`'s, computed one at a time as a consumer
 * pulls. A frame whose map throws fails the pass (FrameError) or, under `skip`, becomes a
 * skipped item; items already skipped upstream pass through. A cancelled run is never "skipped".
 */
export function mapFrames(source: FrameSequence, step: FrameStep): FrameSequence {
  return frameSequence(`${step.label} of ${source.label}`, source.count, async function* (signal) {
    let done = 0;
    for await (const item of source.frames(signal)) {
      signal?.throwIfAborted();
      if (isSkipped(item)) {
        yield item;
      } else {
        let image: Image | undefined;
        let cost = item.cost;
        let failure: string | undefined;
        try {
          const made = await step.map(item, signal);
          if (isImage(made)) image = made;
          else ({ image, cost } = made);
        } catch (error) {
          if (signal?.aborted) throw error;
          if (step.onError === 'fail') throw new FrameError(step.node, item, (error as Error).message ?? String(error), { cause: error });
          failure = (error as Error).message ?? String(error);
        }
        yield image ? { index: item.index, name: item.name, image, ...(cost ? { cost } : {}) } : { index: item.index, name: item.name, node: step.node, skipped: failure! };
      }
      step.progress?.(++done, source.count);
    }
  });
}
