/**
 * Novelty of kind `label-grid` (manifest `novelty.kind`): the calibration inputs' label grids,
 * the very features the predictor reads (`predictor.features`), compared on 4 x 4 cells. One
 * definition of what a map's composition and fragmentation are, for the predictor and for the
 * novelty score, read from the full-resolution map.
 */
import { GRID_CELLS } from './label-map-features.js';
import type { PackManifest } from '../packs/manifest.js';

/** How a pack's novelty label grids are laid out, or why its manifest cannot have them. */
export type NoveltyLabelGrid = { readonly grid: number; readonly samplesPerCell: number } | { readonly problem: string };

export function noveltyLabelGrid(manifest: PackManifest): NoveltyLabelGrid | undefined {
  const features = manifest.predictor.features;
  if (!features) return undefined;
  const { grid, stride } = features;
  if (grid % GRID_CELLS !== 0) return { problem: `label-grid novelty pools the predictor's ${grid} x ${grid} grid to ${GRID_CELLS} x ${GRID_CELLS}: its grid must be a multiple of ${GRID_CELLS}` };
  const input = manifest.input;
  const samplesPerCell = (input.width / stride / grid) * (input.height / stride / grid);
  if (!Number.isInteger(samplesPerCell) || samplesPerCell > 255) return { problem: `label-grid novelty stores counts in bytes: ${samplesPerCell} samples per cell do not fit (at most 255)` };
  return { grid, samplesPerCell };
}
