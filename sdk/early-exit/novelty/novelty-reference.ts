import type { LabelMap } from '../../kernel/image/image.js';
import type { SamplingGap } from '../packs/predictor-features.js';
import { featureLength, FEATURE_MAP_SIZE, featureDistance, featureDistanceBelow, featuresOfIds, featuresOfLabelGrid, labelMapFeatures } from './label-map-features.js';

/** An input map's novelty features, computed as the reference's were. */
export type NoveltyFeaturesOf = (map: LabelMap) => Float32Array;

/** How far the predictor's sampled features misread a map (label-grid packs; predictor-features.ts). */
export type SamplingGapOf = (map: LabelMap) => SamplingGap;

/** How unlike the pack's calibration maps one input is. */
export interface NoveltyScore {
  /** Distance of the input's features to the nearest calibration map's (labelMapFeatures). */
  readonly distance: number;
  /** Index of that calibration map. */
  readonly nearest: number;
  /**
   * Conformal p-value: the share of calibration maps at least as far from their own nearest
   * neighbour as this input is from its nearest, (1 + count) / (n + 1). An input like the
   * calibration set has a p-value spread evenly on (0, 1]; a small one says the calibration
   * set holds nothing like it, so the predictor's distances (and risk bounds fitted on that
   * set) are not evidence about it.
   */
  readonly pValue: number;
  /** Calibration maps compared against. */
  readonly n: number;
  /**
   * Packs whose predictor reads a label grid sampled from the map: where those samples misread
   * the map most. The features the distance compares are the same samples, so a map whose
   * structure is finer than the sampling can look near a calibration map and still be unlike
   * every one of them; the novelty check (novelty-policy.ts) treats a large gap as novel.
   */
  readonly samplingGap?: SamplingGap;
}

/**
 * The calibration maps' features and their leave-one-out nearest-neighbour distances: what a
 * new input's distance to the set is compared with. Built from the pack's novelty file (in
 * calibration.json's order; docs/pack-format.md): the calibration inputs at 32 x 32, or their
 * label-grid counts.
 */
export class NoveltyReference {
  readonly #features: readonly Float32Array[];
  /** Each calibration map's distance to its nearest other map, in calibration order. */
  readonly #ownDistances: Float64Array;
  /** The same, sorted: what a new input's distance is ranked against. */
  readonly #spacing: Float64Array;

  readonly #featuresOf: NoveltyFeaturesOf;
  readonly #samplingGapOf: SamplingGapOf | undefined;

  private constructor(features: Float32Array[], ownDistances: Float64Array, readonly classCount: number, featuresOf: NoveltyFeaturesOf, samplingGapOf?: SamplingGapOf) {
    this.#features = features;
    this.#featuresOf = featuresOf;
    this.#samplingGapOf = samplingGapOf;
    this.#ownDistances = ownDistances;
    this.#spacing = ownDistances.slice().sort();
  }

  /** From `count` maps of FEATURE_MAP_SIZE x FEATURE_MAP_SIZE class ids, back to back. */
  static fromMaps(maps: Uint8Array, count: number, classCount: number): NoveltyReference {
    const size = FEATURE_MAP_SIZE * FEATURE_MAP_SIZE;
    if (count < 2) throw new Error(`novelty maps: need at least 2 maps, got ${count}`);
    if (maps.length !== count * size) throw new Error(`novelty maps: expected ${count} x ${FEATURE_MAP_SIZE} x ${FEATURE_MAP_SIZE} = ${count * size} bytes, got ${maps.length}`);
    const features: Float32Array[] = [];
    for (let i = 0; i < count; i++) features.push(featuresOfIds(maps.subarray(i * size, (i + 1) * size), classCount));
    return new NoveltyReference(features, leaveOneOutDistances(features), classCount, (map) => labelMapFeatures(map, classCount));
  }

  /**
   * From `count` label grids' counts, back to back (uint8 [count, classCount + 1, grid, grid]:
   * per cell, how many of its `samplesPerCell` samples have each class, and how many are on a
   * boundary). `labelGridOf` computes an input's label grid (shares) the same way, and
   * `samplingGapOf` how far its samples misread the input.
   */
  static fromLabelGrids(counts: Uint8Array, count: number, classCount: number, grid: number, samplesPerCell: number, labelGridOf: (map: LabelMap) => ArrayLike<number>, samplingGapOf?: SamplingGapOf): NoveltyReference {
    const size = (classCount + 1) * grid * grid;
    if (count < 2) throw new Error(`novelty label grids: need at least 2, got ${count}`);
    if (counts.length !== count * size) throw new Error(`novelty label grids: expected ${count} x ${classCount + 1} x ${grid} x ${grid} = ${count * size} bytes, got ${counts.length}`);
    const features: Float32Array[] = [];
    for (let i = 0; i < count; i++) {
      const shares = Float32Array.from(counts.subarray(i * size, (i + 1) * size), (n) => n / samplesPerCell);
      features.push(featuresOfLabelGrid(shares, classCount, grid));
    }
    return new NoveltyReference(features, leaveOneOutDistances(features), classCount, (map) => featuresOfLabelGrid(labelGridOf(map), classCount, grid), samplingGapOf);
  }

  /**
   * The reference as bytes (features, then each map's own distance), for an on-disk cache: building
   * it compares every pair of calibration maps, which is most of what a one-shot run would pay
   * for the novelty check.
   */
  toBytes(): Uint8Array {
    const n = this.#features.length;
    const width = this.#features[0]!.length;
    const out = new Uint8Array(8 + n * width * 4 + n * 8);
    const view = new DataView(out.buffer);
    view.setUint32(0, n, true);
    view.setUint32(4, width, true);
    this.#features.forEach((f, i) => out.set(new Uint8Array(f.buffer, f.byteOffset, f.byteLength), 8 + i * width * 4));
    out.set(new Uint8Array(this.#ownDistances.buffer, this.#ownDistances.byteOffset, this.#ownDistances.byteLength), 8 + n * width * 4);
    return out;
  }

  /**
   * Back from `toBytes`; undefined when the bytes do not hold a reference of `classCount` classes.
   * `featuresOf` computes an input's features as the reference's were (default: from the 32 x 32
   * map), and `samplingGapOf` (label-grid references) how far the predictor's samples misread it.
   */
  static fromBytes(bytes: Uint8Array, classCount: number, featuresOf: NoveltyFeaturesOf = (map) => labelMapFeatures(map, classCount), samplingGapOf?: SamplingGapOf): NoveltyReference | undefined {
    if (bytes.length < 8) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(0, true);
    const width = view.getUint32(4, true);
    if (n < 2 || width !== featureLength(classCount) || bytes.length !== 8 + n * width * 4 + n * 8) return undefined;
    // A copy in a buffer of its own (a Buffer from readFile may sit at any offset of a shared pool).
    const copy = new Uint8Array(bytes.subarray(8));
    const features = Array.from({ length: n }, (_, i) => new Float32Array(copy.buffer, i * width * 4, width));
    return new NoveltyReference(features, new Float64Array(copy.buffer.slice(n * width * 4)), classCount, featuresOf, samplingGapOf);
  }

  get size(): number {
    return this.#features.length;
  }

  /**
   * Each calibration map's novelty distance (to its nearest other calibration map), in
   * calibration.json's order: where a new input's `distance` would rank it among them.
   */
  calibrationDistances(): number[] {
    return Array.from(this.#ownDistances);
  }

  score(map: LabelMap): NoveltyScore {
    const { distance, index } = nearest(this.#features, this.#featuresOf(map), -1);
    // Calibration maps at least as far from their neighbours as this input is from its nearest.
    let lo = 0;
    let hi = this.#spacing.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#spacing[mid]! < distance) lo = mid + 1;
      else hi = mid;
    }
    const atLeast = this.#spacing.length - lo;
    const samplingGap = this.#samplingGapOf?.(map);
    return { distance, nearest: index, pValue: (1 + atLeast) / (this.#spacing.length + 1), n: this.#spacing.length, ...(samplingGap ? { samplingGap } : {}) };
  }
}

/**
 * Each calibration map's distance to its nearest other map. Each pair is compared once (the
 * distance is symmetric), updating both maps' nearest.
 */
function leaveOneOutDistances(features: readonly Float32Array[]): Float64Array {
  const spacing = new Float64Array(features.length).fill(Infinity);
  for (let i = 0; i < features.length; i++) {
    for (let j = i + 1; j < features.length; j++) {
      const d = featureDistance(features[i]!, features[j]!);
      if (d < spacing[i]!) spacing[i] = d;
      if (d < spacing[j]!) spacing[j] = d;
    }
  }
  return spacing;
}

function nearest(features: readonly Float32Array[], query: Float32Array, skip: number): { distance: number; index: number } {
  let distance = Infinity;
  let index = -1;
  for (let i = 0; i < features.length; i++) {
    if (i === skip) continue;
    const d = featureDistanceBelow(features[i]!, query, distance);
    if (d < distance) {
      distance = d;
      index = i;
    }
  }
  return { distance, index };
}
