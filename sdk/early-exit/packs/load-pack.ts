/**
 * Loading a model pack: the manifest against its JSON Schema, then every ONNX file against the
 * manifest (tensor names, element types and shapes, following the tensor pool from the model
 * input through segments, guides and heads), calibration data and splits; MACs are counted from
 * the graphs. `inspectPack` reports every problem found; `loadPack` throws if any is an error.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../kernel/host/package-root.js';
import { fileContentHash } from '../onnx/optimized-model-cache.js';
import type { OnnxModelInfo } from '../onnx/model-info.js';
import { checkCalibration, checkDataFiles } from './data-checks.js';
import { resolvePackDir } from './find-pack.js';
import type { CalibrationData, PackManifest } from './manifest.js';
import { checkManifest, readManifest } from './manifest-checks.js';
import { PackFileChecker } from './onnx-file-checks.js';
import { computeCosts, type PackCosts } from './pack-costs.js';
import { planPack, type PackPlan } from './pack-plan.js';
import { PackLoadError, PackProblemLog, type PackProblem } from './pack-problems.js';
import { defaultVerifiedPackDir, readVerifiedPack, verifiedPackKey, writeVerifiedPack, type VerifiedPack } from './verified-pack-cache.js';

export interface PackInspection {
  readonly dir: string;
  /** Present once manifest.json parsed and passed its schema. */
  readonly manifest?: PackManifest;
  readonly plan?: PackPlan;
  /** Present when every ONNX file could be read. */
  readonly costs?: PackCosts;
  /** MACs of the monolithic reference model, when the pack has one. */
  readonly referenceMacs?: number;
  readonly calibration?: CalibrationData;
  /** Parsed ONNX files by file name (empty for a pack loaded from the verified-pack cache). */
  readonly models: ReadonlyMap<string, OnnxModelInfo>;
  /** Shape of every tensor in the pool, by name. */
  readonly tensorShapes: ReadonlyMap<string, readonly number[]>;
  readonly problems: readonly PackProblem[];
}

export interface LoadedPack extends PackInspection {
  readonly manifest: PackManifest;
  readonly plan: PackPlan;
  readonly costs: PackCosts;
  /** SHA-256 of each ONNX file of the plan, by file name (content ids of merged models hash them). */
  readonly fileHashes?: Readonly<Record<string, string>>;
  /** Absolute path of a file of the pack. */
  path(file: string): string;
}

export interface LoadPackOptions {
  /** Folder of packs to look names up in (default: EXITGRAPH_PACKS, ./models/packs, the checkout's models/packs). */
  readonly packsDir?: string;
  /** Folder of the verified-pack cache (verified-pack-cache.ts); false turns it off. Default: see there. */
  readonly verifiedPackDir?: string | false;
}

/**
 * Loads a pack by folder path or name; throws PackLoadError listing every error found. A pack
 * whose files are unchanged since this exitgraph last checked it comes from the verified-pack
 * cache, without checking it again.
 */
export async function loadPack(pathOrName: string, options: LoadPackOptions = {}): Promise<LoadedPack> {
  const dir = resolvePackDir(pathOrName, options);
  const cacheDir = options.verifiedPackDir === false ? undefined : (options.verifiedPackDir ?? defaultVerifiedPackDir());
  const key = cacheDir ? await verifiedPackKey(dir, exitgraphVersion()) : undefined;
  if (cacheDir && key) {
    const record = await readVerifiedPack(cacheDir, key);
    if (record) return fromRecord(dir, record);
  }
  const inspection = await inspectPack(dir, options);
  if (inspection.problems.some((p) => p.severity === 'error') || !inspection.manifest || !inspection.plan || !inspection.costs) {
    throw new PackLoadError(inspection.dir, inspection.problems);
  }
  const { manifest, plan, costs } = inspection;
  const files = [...new Set([...plan.steps, plan.predictor].map((step) => step.file))];
  const fileHashes = Object.fromEntries(await Promise.all(files.map(async (file) => [file, await fileContentHash(join(dir, file))] as const)));
  if (cacheDir && key) {
    const record: VerifiedPack = {
      manifest,
      costs,
      ...(inspection.calibration ? { calibration: inspection.calibration } : {}),
      ...(inspection.referenceMacs !== undefined ? { referenceMacs: inspection.referenceMacs } : {}),
      tensorShapes: [...inspection.tensorShapes],
      problems: inspection.problems,
      fileHashes,
    };
    await writeVerifiedPack(cacheDir, key, record);
  }
  return { ...inspection, manifest, plan, costs, fileHashes, path: (file: string) => join(dir, file) };
}

function fromRecord(dir: string, record: VerifiedPack): LoadedPack {
  return {
    dir,
    manifest: record.manifest,
    plan: planPack(record.manifest),
    costs: record.costs,
    ...(record.calibration ? { calibration: record.calibration } : {}),
    ...(record.referenceMacs !== undefined ? { referenceMacs: record.referenceMacs } : {}),
    models: new Map(),
    tensorShapes: new Map(record.tensorShapes),
    problems: record.problems,
    fileHashes: record.fileHashes,
    path: (file: string) => join(dir, file),
  };
}

/**
 * exitgraph's version, and when its pack checks were built (this module's modification time): a
 * record written by another version or build is not trusted, as its checks may differ.
 */
function exitgraphVersion(): string {
  const { version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return `${version}@${statSync(fileURLToPath(import.meta.url)).mtimeMs}`;
}

/**
 * Checks a pack and reports every problem found (it throws only when the pack folder cannot be
 * found). The steps run in order and stop early only when what follows would be meaningless.
 */
export async function inspectPack(pathOrName: string, options: LoadPackOptions = {}): Promise<PackInspection> {
  const dir = resolvePackDir(pathOrName, options);
  const log = new PackProblemLog();
  const models = new Map<string, OnnxModelInfo>();
  const done = (extra: Partial<PackInspection> = {}): PackInspection => ({ dir, models, tensorShapes: new Map(), problems: log.problems, ...extra });

  // 1. manifest.json: JSON, schema, cross-references. Only problems that make the execution plan
  // meaningless stop here; the rest are reported alongside what the ONNX files say.
  const manifest = await readManifest(dir, log);
  if (!manifest) return done();
  if (!checkManifest(manifest, log)) return done({ manifest });
  const plan = planPack(manifest);

  // 2. ONNX files, following the tensor pool in execution order.
  const files = new PackFileChecker(dir, manifest, log, models);
  await files.checkPlan(plan);
  files.checkOutputShapes();
  const tensorShapes = files.tensorShapes;

  // 3. The monolithic reference model, checked against the pool it must reproduce.
  const referenceMacs = manifest.reference ? await files.checkReference(manifest.reference) : undefined;

  // 4. Calibration, splits, training report.
  const calibration = await checkCalibration(dir, manifest, log);
  await checkDataFiles(dir, manifest, log);

  const costs = files.allRead ? computeCosts(manifest, plan, files.macsByStep) : undefined;
  return done({ manifest, plan, tensorShapes, ...(costs ? { costs } : {}), ...(referenceMacs !== undefined ? { referenceMacs } : {}), ...(calibration ? { calibration } : {}) });
}
