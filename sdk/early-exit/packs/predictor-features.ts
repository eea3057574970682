/**
 * The predictor input a pack asks the runtime to compute (`predictor.features`, manifest.ts):
 * kind `label-grid`, a coarse picture of a label map's composition and fragmentation. It is what
 * lets a predictor cost one short session run: any ONNX graph that reads the full-size one-hot
 * map spends more time in its first memory-bound ops than in all of its layers (docs/
 * onnx-runtime.md, "Ninth round"), while this reads one pixel in `stride` x `stride`.
 *
 * The toolkit computes the same numbers in PyTorch (models/training, model.label_grid), and
 * both languages' tests check one small map against the same values.
 */
import * as ort from 'onnxruntime-node';
import type { LabelMap } from '../../kernel/image/image.js';
import { packInputs, type PackManifest, type PredictorFeaturesSpec } from './manifest.js';
import { classTranslation, isLabelMap, type PackInput } from './pack-io.js';

/** The features tensor's dims: one share per class, then the boundary share, each grid x grid. */
export function labelGridDims(classCount: number, grid: number): [number, number, number, number] {
  return [1, classCount + 1, grid, grid];
}

/** Numbers per feature tensor. */
export function labelGridLength(classCount: number, grid: number): number {
  return (classCount + 1) * grid * grid;
}

/** Which neighbours make a sample a boundary (PredictorFeaturesSpec.boundary). */
export type LabelGridBoundary = 'sampled' | 'pixel-or-sample';

/**
 * Label-grid features of row-major class ids: [classCount + 1, grid, grid], channel-major. The
 * pixels read are those at (x, y) with x and y multiples of `stride`; a cell is a square of
 * (size / stride / grid) of them a side. Channel c < classCount: the share of the cell's samples
 * whose class (`translate[id]`) is c; channel classCount: the share of samples whose right or
 * lower neighbour has another id, the neighbours being the next samples (`sampled`), or those
 * and the next pixels (`pixel-or-sample`); none past the map's edge. Ids are below 256 (a label map's), and known to
 * `translate` where it is given (the input check comes first).
 */
export function labelGridOfIds(ids: ArrayLike<number>, width: number, height: number, classCount: number, grid: number, stride: number, translate?: ArrayLike<number>, boundaryRule: LabelGridBoundary = 'sampled'): Float32Array {
  const sampledW = width / stride;
  const sampledH = height / stride;
  const cellW = sampledW / grid;
  const cellH = sampledH / grid;
  if (!Number.isInteger(cellW) || !Number.isInteger(cellH)) throw new Error(`label-grid: grid ${grid} x stride ${stride} must divide the map's ${width}x${height} pixels`);
  const cells = grid * grid;
  // Integer counts, cell by cell along each sampled row, and each id's channel offset looked up:
  // this runs on every new map before the predictor, so its cost is part of routing's.
  const counts = new Int32Array(labelGridLength(classCount, grid));
  const channelOf = new Int32Array(256);
  // Only the ids `translate` knows (reading past a JS array's end is slow); the rest stay 0.
  const known = translate ? Math.min(256, translate.length) : 256;
  for (let id = 0; id < known; id++) channelOf[id] = (translate ? translate[id]! : id) * cells;
  const boundary = classCount * cells;
  const step = stride * width;
  // The next pixels are compared too, where they are not the next samples already.
  const pixels = boundaryRule === 'pixel-or-sample' && stride > 1;
  const lastSampleX = (sampledW - 1) * stride;
  for (let y = 0; y < sampledH; y++) {
    const row = y * step;
    const lastRow = y + 1 === sampledH;
    const lastPixelRow = y * stride + 1 === height;
    const cellRow = Math.floor(y / cellH) * grid;
    for (let column = 0; column < grid; column++) {
      const cell = cellRow + column;
      const end = (column + 1) * cellW;
      for (let x = column * cellW; x < end; x++) {
        const at = row + x * stride;
        const id = ids[at]!;
        counts[channelOf[id]! + cell]!++;
        const px = x * stride;
        const sampledEdge = (px < lastSampleX && ids[at + stride] !== id) || (!lastRow && ids[at + step] !== id);
        if (sampledEdge || (pixels && ((px + 1 < width && ids[at + 1] !== id) || (!lastPixelRow && ids[at + width] !== id)))) counts[boundary + cell]!++;
      }
    }
  }
  const share = 1 / (cellW * cellH);
  const features = new Float32Array(counts.length);
  for (let i = 0; i < counts.length; i++) features[i] = counts[i]! * share;
  return features;
}

/** Where the label grid misreads a map most (labelGridSamplingGap). */
export interface SamplingGap {
  /**
   * In the worst cell, the L1 distance between the class shares of all its pixels and of the
   * samples the label grid reads: 0 when the samples see the cell's classes as they are, 2 when
   * they see none of them (a 1-pixel checkerboard sampled every 2nd pixel reads as one class).
   */
  readonly gap: number;
  /** That cell's column and row in the grid. */
  readonly cell: readonly [number, number];
}

/**
 * How far the samples of a label grid (`labelGridOfIds`, one pixel in stride x stride) are from
 * the map's own class shares, cell by cell. Structure finer than the sampling (1-pixel stripes,
 * dithering, a checkerboard) aliases: the grid reads one flat class where the pixels alternate,
 * and a predictor trained on ordinary maps has never seen what such a map costs the exits. On the
 * landscape pack's procedural and painted-style splits the worst cell stays at or below 0.28;
 * 1-pixel stripes and checkerboards give 1. One pass over every pixel (the label grid reads a
 * quarter of them), so it costs a few hundredths of a millisecond at 128 x 128.
 */
export function labelGridSamplingGap(ids: ArrayLike<number>, width: number, height: number, classCount: number, grid: number, stride: number, translate?: ArrayLike<number>): SamplingGap {
  const cellW = width / grid;
  const cellH = height / grid;
  if (!Number.isInteger(cellW / stride) || !Number.isInteger(cellH / stride)) throw new Error(`label-grid: grid ${grid} x stride ${stride} must divide the map's ${width}x${height} pixels`);
  const cells = grid * grid;
  const all = new Int32Array(cells * classCount);
  const sampled = new Int32Array(cells * classCount);
  const channelOf = new Int32Array(256);
  const known = translate ? Math.min(256, translate.length) : 256;
  for (let id = 0; id < known; id++) channelOf[id] = Math.min(translate ? translate[id]! : id, classCount - 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const cellRow = Math.floor(y / cellH) * grid;
    const sampledRow = y % stride === 0;
    for (let column = 0; column < grid; column++) {
      const base = (cellRow + column) * classCount;
      const end = row + (column + 1) * cellW;
      const start = row + column * cellW;
      for (let at = start; at < end; at++) all[base + channelOf[ids[at]!]!]!++;
      if (sampledRow) for (let at = start; at < end; at += stride) sampled[base + channelOf[ids[at]!]!]!++;
    }
  }
  const pixelShare = 1 / (cellW * cellH);
  const sampleShare = (stride * stride) / (cellW * cellH);
  let gap = 0;
  let worst = 0;
  for (let cell = 0; cell < cells; cell++) {
    let sum = 0;
    for (let c = cell * classCount; c < (cell + 1) * classCount; c++) sum += Math.abs(all[c]! * pixelShare - sampled[c]! * sampleShare);
    if (sum > gap) {
      gap = sum;
      worst = cell;
    }
  }
  return { gap, cell: [worst % grid, Math.floor(worst / grid)] };
}

/**
 * The features tensor [1, C + 1, grid, grid] of one input already checked by `checkPackInput`:
 * a label map (its class ids translated to the pack's classes by name, as packing does) or a
 * one-hot tensor (each sampled pixel's class is its largest channel, the first of equals).
 */
export function predictorFeaturesTensor(manifest: PackManifest, features: PredictorFeaturesSpec, input: PackInput): ort.Tensor {
  const spec = packInputs(manifest).find((i) => i.name === features.from) ?? manifest.input;
  const classes = spec.classes ?? [];
  const { grid, stride } = features;
  const boundary = features.boundary ?? 'sampled';
  const dims = labelGridDims(classes.length, grid);
  if (isLabelMap(input)) {
    const map = input as LabelMap;
    const translate = classTranslation(manifest.name, classes, map);
    return new ort.Tensor('float32', labelGridOfIds(map.ids, map.width, map.height, classes.length, grid, stride, translate, boundary), dims);
  }
  if (input instanceof ort.Tensor) {
    const [, channels, height, width] = input.dims as number[];
    // Pixel boundaries read every pixel's class, not only the samples'.
    const ids = argmaxIds(input.data as Float32Array, channels!, height!, width!, boundary === 'pixel-or-sample' ? 1 : stride);
    return new ort.Tensor('float32', labelGridOfIds(ids, width!, height!, classes.length, grid, stride, undefined, boundary), dims);
  }
  throw new Error(`pack ${manifest.name}: predictor.features of kind ${features.kind} are computed from a label map, got an image`);
}

/** Class id per pixel of a one-hot [1, C, H, W] tensor, at the pixels a stride reads (others stay 0). */
function argmaxIds(data: Float32Array, channels: number, height: number, width: number, stride: number): Uint8Array {
  const plane = width * height;
  const ids = new Uint8Array(plane);
  for (let y = 0; y < height; y += stride) {
    for (let x = 0; x < width; x += stride) {
      const at = y * width + x;
      let best = 0;
      for (let c = 1; c < channels; c++) if (data[c * plane + at]! > data[best * plane + at]!) best = c;
      ids[at] = best;
    }
  }
  return ids;
}
