import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exitgraphCacheDir, writeCacheFile } from '../../kernel/host/cache-dir.js';
import type { LabelMap } from '../../kernel/image/image.js';
import type { LoadedPack } from '../packs/load-pack.js';
import { featuresOfLabelGrid } from './label-map-features.js';
import type { Calibration } from '../plans.js';
import { classTranslation } from '../packs/pack-io.js';
import { labelGridOfIds, labelGridSamplingGap } from '../packs/predictor-features.js';
import { noveltyLabelGrid } from './novelty-label-grid.js';
import { NoveltyReference, type NoveltyFeaturesOf, type SamplingGapOf } from './novelty-reference.js';

/** Bump when the features or the reference's bytes change meaning. */
const CACHE_FORMAT = 3;

/**
 * The pack's novelty reference, or undefined when it ships no novelty maps (or takes images).
 * Building it compares every pair of calibration maps (tens of milliseconds for 500), so the
 * result is kept in exitgraph's cache folder (`<cache>/novelty/`, keyed by the maps' content),
 * and a later process reads it back. `EXITGRAPH_NOVELTY_CACHE=0` turns that off; a folder that
 * cannot be written only costs the saving.
 */
export async function readNoveltyReference(pack: LoadedPack): Promise<NoveltyReference | undefined> {
  const spec = pack.manifest.novelty;
  const input = pack.manifest.input;
  if (!spec || input.kind !== 'label_map' || !input.classes) return undefined;
  const raw = await readFile(pack.path(spec.file));
  const maps = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const classes = input.classes;
  const classCount = classes.length;
  const kind = spec.kind ?? 'maps';
  // Label grids: an input's features are the predictor's label grid of it, pooled to the novelty cells.
  let build = (): NoveltyReference => NoveltyReference.fromMaps(maps, spec.count, classCount);
  let featuresOf: NoveltyFeaturesOf | undefined;
  let samplingGapOf: SamplingGapOf | undefined;
  if (kind === 'label-grid') {
    const features = pack.manifest.predictor.features;
    const layout = noveltyLabelGrid(pack.manifest);
    if (!features || !layout || 'problem' in layout) throw new Error(`pack ${pack.manifest.name}: novelty of kind label-grid: ${layout && 'problem' in layout ? layout.problem : 'the pack declares no predictor.features'}`);
    const { grid, samplesPerCell } = layout;
    const labelGridOf = (map: LabelMap): Float32Array =>
      labelGridOfIds(map.ids, map.width, map.height, classCount, grid, features.stride, classTranslation(pack.manifest.name, classes, map), features.boundary);
    samplingGapOf = (map) => labelGridSamplingGap(map.ids, map.width, map.height, classCount, grid, features.stride, classTranslation(pack.manifest.name, classes, map));
    build = () => NoveltyReference.fromLabelGrids(maps, spec.count, classCount, grid, samplesPerCell, labelGridOf, samplingGapOf);
    featuresOf = (map) => featuresOfLabelGrid(labelGridOf(map), classCount, grid);
  }
  const file = process.env.EXITGRAPH_NOVELTY_CACHE === '0' ? undefined : cacheFile(maps, spec.count, classCount, kind === 'label-grid' ? { kind, features: pack.manifest.predictor.features } : kind);
  if (file) {
    const cached = await readFile(file).then((bytes) => NoveltyReference.fromBytes(bytes, classCount, featuresOf, samplingGapOf), () => undefined);
    if (cached && cached.size === spec.count) return cached;
  }
  let reference: NoveltyReference;
  try {
    reference = build();
  } catch (error) {
    throw new Error(`pack ${pack.manifest.name}: ${spec.file}: ${(error as Error).message}`);
  }
  if (file) await writeCacheFile(file, reference.toBytes());
  return reference;
}

function cacheFile(maps: Uint8Array, count: number, classCount: number, kind: unknown): string {
  const key = createHash('sha256').update(JSON.stringify({ format: CACHE_FORMAT, count, classCount, kind })).update(maps).digest('hex');
  return join(exitgraphCacheDir(), 'novelty', `${key.slice(0, 40)}.bin`);
}

/**
 * The pack's calibration set with each calibration input's novelty distance (Calibration.novelty),
 * when the pack's novelty maps are of its calibration split, one per calibration input (in
 * calibration.json's order, docs/pack-format.md); otherwise as it is.
 */
export function calibrationWithNovelty(pack: LoadedPack, reference: NoveltyReference | undefined): Calibration | undefined {
  const calibration = pack.calibration;
  if (!calibration || !reference) return calibration;
  if (pack.manifest.novelty?.split !== calibration.split || reference.size !== calibration.predicted.length) return calibration;
  return { ...calibration, novelty: reference.calibrationDistances() };
}
