/** The last step of inspecting a pack: calibration data, dataset splits and the training report. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FEATURE_MAP_SIZE } from '../novelty/label-map-features.js';
import { noveltyLabelGrid } from '../novelty/novelty-label-grid.js';
import { packInputs, type CalibrationData, type PackManifest } from './manifest.js';
import { validateCalibration } from './manifest-schema.js';
import type { PackProblemLog } from './pack-problems.js';
import { readPackJson } from './read-json.js';

/** calibration.json against its schema and the manifest's exits; undefined when unreadable. */
export async function checkCalibration(dir: string, m: PackManifest, log: PackProblemLog): Promise<CalibrationData | undefined> {
  const file = m.calibration.file;
  const read = await readPackJson(dir, file, 'calibration.file', log);
  if (!read) return undefined;
  const validated = validateCalibration(read.value);
  if (!validated.ok) {
    for (const p of validated.problems) log.error(file, p.field, p.message);
    return undefined;
  }
  const c = validated.calibration;
  const exitNames = m.exits.map((e) => e.name);
  if (c.exits.join('\u0000') !== exitNames.join('\u0000')) log.error(file, 'exits', `lists [${c.exits.join(', ')}], but the manifest's exits are [${exitNames.join(', ')}]`);
  if (c.predicted.length !== c.n) log.error(file, 'predicted', `has ${c.predicted.length} rows, but n is ${c.n}`);
  if (c.measured.length !== c.n) log.error(file, 'measured', `has ${c.measured.length} rows, but n is ${c.n}`);
  checkRowWidths(file, 'predicted', c.predicted, exitNames.length, log);
  checkRowWidths(file, 'measured', c.measured, exitNames.length, log);
  if (c.metric !== m.metric) log.warn(file, 'metric', `is "${c.metric}", but the manifest's metric is "${m.metric}"`);
  return c;
}

/** Reports the first row without one value per exit. */
function checkRowWidths(file: string, field: string, rows: readonly (readonly number[])[], exits: number, log: PackProblemLog): void {
  const bad = rows.findIndex((r) => r.length !== exits);
  const row = rows[bad];
  if (row) log.error(file, `${field}[${bad}]`, `has ${row.length} values, expected one per exit (${exits})`);
}

/**
 * Split files have the sizes their counts imply: format 1's labels 1 byte per pixel, format 2's
 * per-input files RGB ([N, H, W, 3] of that input's size), ground-truth images RGB; the training
 * report exists.
 */
export async function checkDataFiles(dir: string, m: PackManifest, log: PackProblemLog): Promise<void> {
  const pixels = m.input.height * m.input.width;
  const inputs = new Map(packInputs(m).map((input) => [input.name, input]));
  for (const [splitName, split] of Object.entries(m.splits ?? {})) {
    if (split.labels) await checkFileSize(dir, split.labels, `splits.${splitName}.labels`, split.count * pixels, log);
    for (const [name, file] of Object.entries(split.inputs ?? {})) {
      const input = inputs.get(name);
      const field = `splits.${splitName}.inputs.${name}`;
      if (!input) log.error('manifest.json', field, `"${name}" is not a pack input (inputs: ${[...inputs.keys()].join(', ')})`);
      else await checkFileSize(dir, file, field, split.count * input.height * input.width * 3, log);
    }
    for (const name of inputs.keys()) {
      if (split.inputs && !(name in split.inputs)) log.error('manifest.json', `splits.${splitName}.inputs`, `has no file for pack input "${name}"`);
    }
    if (split.images) await checkFileSize(dir, split.images, `splits.${splitName}.images`, split.count * pixels * 3, log);
  }
  if (m.training) await checkFileSize(dir, m.training.file, 'training.file', undefined, log);
  if (m.novelty) {
    const { file, count } = m.novelty;
    if (m.input.kind !== 'label_map') log.error('manifest.json', 'novelty', 'novelty maps are label maps; this pack takes images');
    if (m.novelty.kind === 'label-grid') {
      const features = m.predictor.features;
      const grid = features && noveltyLabelGrid(m);
      if (!features || !grid) log.error('manifest.json', 'novelty.kind', 'label-grid novelty reads the predictor\'s label-grid features; the pack declares no predictor.features');
      else if ('problem' in grid) log.error('manifest.json', 'novelty.kind', grid.problem);
      else await checkFileSize(dir, file, 'novelty.file', count * ((m.input.classes?.length ?? 0) + 1) * grid.grid * grid.grid, log);
    } else {
      const { height = 0, width = 0 } = m.novelty;
      await checkFileSize(dir, file, 'novelty.file', count * height * width, log);
      if (height !== FEATURE_MAP_SIZE || width !== FEATURE_MAP_SIZE) log.error('manifest.json', 'novelty', `maps must be ${FEATURE_MAP_SIZE} x ${FEATURE_MAP_SIZE}, got ${height} x ${width}`);
    }
  }
}

async function checkFileSize(dir: string, file: string, field: string, expected: number | undefined, log: PackProblemLog): Promise<void> {
  try {
    const info = await stat(join(dir, file));
    if (expected !== undefined && info.size !== expected) log.error(file, field, `is ${info.size} bytes, expected ${expected}`);
  } catch {
    log.error(file, field, 'file not found');
  }
}
