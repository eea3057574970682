import type { LabelMap } from '../../kernel/image/image.js';
import { resizeLabelMapNearest } from '../../kernel/image/label-map-io.js';

/** Side of the map the features are computed on (the pack's novelty maps are stored at it). */
export const FEATURE_MAP_SIZE = 32;
/** The map is cut into GRID x GRID cells. */
const GRID = 4;
/** Novelty cells per side. */
export const GRID_CELLS = GRID;

/** Length of a feature vector: per cell, one share per class and the boundary share. */
export const featureLength = (classCount: number): number => GRID * GRID * (classCount + 1);

/**
 * What a label map looks like, coarsely, as numbers: for each of 4 x 4 cells, the share of each
 * class and the share of pixels on a class boundary, on the map resized (nearest) to 32 x 32.
 * Composition and fragmentation are what decide how hard a map is for a generator, and both
 * survive the resize; 32 px keeps the cost far below a percent of any model. The L1 distance
 * of two feature vectors, divided by the number of cells, lies in [0, 3].
 */
export function labelMapFeatures(map: LabelMap, classCount: number): Float32Array {
  const small = resizeLabelMapNearest(map, FEATURE_MAP_SIZE, FEATURE_MAP_SIZE);
  return featuresOfIds(small.ids, classCount);
}

/** The same on class ids already at FEATURE_MAP_SIZE x FEATURE_MAP_SIZE (row-major). */
export function featuresOfIds(ids: Uint8Array, classCount: number): Float32Array {
  const n = FEATURE_MAP_SIZE;
  const cell = n / GRID;
  const perCell = classCount + 1;
  const features = new Float32Array(featureLength(classCount));
  const share = 1 / (cell * cell);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const id = ids[y * n + x]!;
      const base = (Math.floor(y / cell) * GRID + Math.floor(x / cell)) * perCell;
      // Ids beyond the pack's classes are counted as boundary only; the caller checked classes.
      if (id < classCount) features[base + id]! += share;
      const right = x + 1 < n && ids[y * n + x + 1] !== id;
      const down = y + 1 < n && ids[(y + 1) * n + x] !== id;
      if (right || down) features[base + classCount]! += share;
    }
  }
  return features;
}

/**
 * The same layout (GRID x GRID cells, each its class shares then its boundary share) from a
 * pack's label-grid features ([classCount + 1, grid, grid], channel-major; predictor-features.ts),
 * each novelty cell the mean of (grid / GRID)^2 grid cells. The label grid reads the map at full
 * resolution, so a novelty score on it sees what a 32 x 32 resize loses: 1-px stripes, thin
 * lines and checkerboards, which the resize turns into one flat class.
 */
export function featuresOfLabelGrid(labelGrid: ArrayLike<number>, classCount: number, grid: number): Float32Array {
  if (grid % GRID !== 0) throw new Error(`novelty: a label grid of ${grid} cells a side does not pool to ${GRID}`);
  const pool = grid / GRID;
  const perCell = classCount + 1;
  const features = new Float32Array(featureLength(classCount));
  const share = 1 / (pool * pool);
  for (let channel = 0; channel < perCell; channel++) {
    for (let y = 0; y < grid; y++) {
      for (let x = 0; x < grid; x++) {
        const cell = Math.floor(y / pool) * GRID + Math.floor(x / pool);
        features[cell * perCell + channel]! += labelGrid[(channel * grid + y) * grid + x]! * share;
      }
    }
  }
  return features;
}

/** Mean L1 distance per cell between two feature vectors. */
export function featureDistance(a: Float32Array, b: Float32Array): number {
  return featureDistanceBelow(a, b, Infinity);
}

/**
 * featureDistance(a, b) when it is below `bound`, else some value >= `bound`: the sum stops once
 * it passes the bound (checked once per cell). A nearest-neighbour search needs no more, and
 * most candidates are abandoned after a few cells.
 */
export function featureDistanceBelow(a: Float32Array, b: Float32Array, bound: number): number {
  const limit = bound * (GRID * GRID);
  const perCell = a.length / (GRID * GRID);
  let sum = 0;
  for (let start = 0; start < a.length; start += perCell) {
    const end = start + perCell;
    for (let i = start; i < end; i++) sum += Math.abs(a[i]! - b[i]!);
    if (sum >= limit) return sum / (GRID * GRID);
  }
  return sum / (GRID * GRID);
}
