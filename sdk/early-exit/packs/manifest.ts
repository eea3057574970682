/**
 * The model pack manifest (`models/packs/<name>/manifest.json`), as docs/pack-format.md defines
 * it. Field names are snake_case because the file is shared with the Python toolkit.
 */

export const PACK_FORMAT = 'exitgraph.pack/1';
/** Packs with several named inputs and input-only stages (docs/pack-format.md, "Format 2"). */
export const PACK_FORMAT_V2 = 'exitgraph.pack/2';
export type PackFormat = typeof PACK_FORMAT | typeof PACK_FORMAT_V2;

interface PackInputFields {
  /** Tensor name of the model input: float32 [1, C, H, W] (one-hot label map or image in [-1, 1]). */
  readonly name: string;
  readonly height: number;
  readonly width: number;
}

/** A one-hot label map input: one channel per class. */
export interface LabelMapInputSpec extends PackInputFields {
  readonly kind: 'label_map';
  /** Class names; class id = index (the schema requires them for label maps). */
  readonly classes: readonly string[];
  /** Display colour per class id ([r, g, b], 0-255), when the pack picks its own; else natural colours by name. */
  readonly colors?: readonly (readonly [number, number, number])[];
}

/** An RGB image input in [-1, 1] (u8 / 127.5 - 1). */
export interface ImageInputSpec extends PackInputFields {
  readonly kind: 'image';
  /** Allowed by the schema, unused for images. */
  readonly classes?: readonly string[];
  /** Format 2 states them; always 3 and [-1, 1]. */
  readonly channels?: 3;
  readonly range?: readonly [number, number];
}

export type PackInputSpec = LabelMapInputSpec | ImageInputSpec;

/** Channels of the pack's input tensor: one per class for a label map, three for an image. */
export function inputChannels(input: PackInputSpec): number {
  return input.kind === 'label_map' ? input.classes.length : 3;
}

export interface PackOutputSpec {
  readonly kind: 'image';
  /** Value range of every head's [1, 3, H, W] output. */
  readonly range: readonly [number, number];
}

export interface SegmentSpec {
  readonly file: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface GuidesSpec extends SegmentSpec {
  readonly after_segment: number;
  /** Number of guide entries in the database. */
  readonly count: number;
}

export interface ExitSpec {
  readonly name: string;
  readonly after_segment: number;
  readonly file: string;
  readonly inputs: readonly string[];
  readonly output: string;
}

/**
 * Format 2: a file that reads only pack inputs (e.g. the source's appearance encoding) and runs
 * before segment 0; with `cache: per_input` the runner computes it once per distinct input content.
 */
export interface StageSpec {
  readonly file: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly cache?: 'per_input';
}

export interface PredictorSpec {
  readonly file: string;
  /** The first (format 1: the only) input it reads: a pack input, or `features.name`. */
  readonly input: string;
  /** Every input it reads (format 2's `inputs`; the loader fills `[input]` for format 1). */
  readonly inputs?: readonly string[];
  /** [1, E]: predicted distance per exit. */
  readonly output: string;
  /** A tensor the runtime computes from a pack input for the predictor (predictor-features.ts). */
  readonly features?: PredictorFeaturesSpec;
}

/**
 * `label-grid`: from a label map, a [1, C + 1, grid, grid] tensor: per cell, the share of each
 * of the pack's C classes and the share of boundary pixels among the pixels sampled every
 * `stride` pixels in both directions (a sample is a boundary when its right or lower neighbour,
 * see `boundary`, has another class). Computed while the ids are read, it costs a fraction of any
 * ONNX pass over the full-size one-hot map, which is what makes a predictor's time small.
 */
export interface PredictorFeaturesSpec {
  /** The tensor's name in the pack's tensor pool (what predictor.onnx reads). */
  readonly name: string;
  readonly kind: 'label-grid';
  /** The pack input (a label map) it is computed from. */
  readonly from: string;
  /** Cells per side. */
  readonly grid: number;
  /** Pixels between samples, in both directions. */
  readonly stride: number;
  /**
   * Which neighbours, right of a sample and below it, make it a boundary: `sampled` (the default,
   * the first packs' rule), the next samples, `stride` pixels away; `pixel-or-sample`, those and
   * the next pixels of the full map, so that 1-px stripes, thin lines between sampled rows and
   * checkerboards, which the samples alone read as one flat class, count as boundary too.
   */
  readonly boundary?: 'sampled' | 'pixel-or-sample';
}

export interface SplitSpec {
  /** Format 1: raw uint8 label ids [N, H, W]. */
  readonly labels?: string;
  /** Format 2: raw uint8 [N, H, W, 3] per pack input, by input name. */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly images?: string;
  readonly count: number;
}

/**
 * The calibration inputs as the novelty score (sdk/early-exit/novelty) compares them, in
 * calibration.json's order. Kind `maps` (the default): `file` holds `count` label maps of
 * `height` x `width` class ids (uint8, back to back). Kind `label-grid`: `count` label grids of
 * the predictor's features (`predictor.features`, kind label-grid), as counts (uint8
 * [count, C + 1, grid, grid]: per cell, the samples of each class and the boundary samples).
 */
export interface NoveltySpec {
  readonly file: string;
  /** The set the maps are of (today always `calibration`). */
  readonly split?: string;
  readonly count: number;
  readonly kind?: 'maps' | 'label-grid';
  /** Kind `maps`: the maps' size. */
  readonly height?: number;
  readonly width?: number;
}

export interface ReferenceSpec {
  readonly file: string;
  readonly input: string;
  /** Every input it reads (format 2; the loader fills `[input]` for format 1). */
  readonly inputs?: readonly string[];
  readonly outputs: readonly string[];
}

/**
 * A manifest as the loader returns it, whichever format the file has. Format 1's single `input`
 * is `inputs: [input]`; for format 2, `input`, `predictor.input` and `reference.input` are the
 * first of their `inputs` (so code written for one-input packs keeps working). Read the lists
 * through `packInputs`, `packStages`, `predictorInputs`, `referenceInputs`.
 */
export interface PackManifest {
  readonly format: PackFormat;
  readonly name: string;
  readonly version: string;
  readonly task: string;
  readonly description?: string;
  /** The first (format 1: the only) input. */
  readonly input: PackInputSpec;
  /** Every input, in order (the loader fills `[input]` for format 1). */
  readonly inputs?: readonly PackInputSpec[];
  /** Format 2: input-only stages, run before segment 0. */
  readonly stages?: readonly StageSpec[];
  readonly output: PackOutputSpec;
  readonly segments: readonly SegmentSpec[];
  readonly guides?: GuidesSpec;
  readonly exits: readonly ExitSpec[];
  readonly predictor: PredictorSpec;
  readonly metric: string;
  readonly calibration: { readonly file: string };
  readonly splits?: Readonly<Record<string, SplitSpec>>;
  readonly reference?: ReferenceSpec;
  readonly training?: { readonly file: string };
  readonly novelty?: NoveltySpec;
}

/** `calibration.json`: predicted and measured distance per held-out input and exit. */
export interface CalibrationData {
  readonly metric: string;
  readonly split: string;
  readonly n: number;
  readonly exits: readonly string[];
  readonly predicted: readonly (readonly number[])[];
  readonly measured: readonly (readonly number[])[];
}

/** Every input of the pack, in manifest order. */
export function packInputs(m: PackManifest): readonly PackInputSpec[] {
  return m.inputs ?? [m.input];
}

/** The pack's input-only stages (none for format 1). */
export function packStages(m: PackManifest): readonly StageSpec[] {
  return m.stages ?? [];
}

/** Tensor names predictor.onnx reads (pack inputs, or the runtime-computed `features.name`). */
export function predictorInputs(m: PackManifest): readonly string[] {
  return m.predictor.inputs ?? [m.predictor.input];
}

export function referenceInputs(ref: ReferenceSpec): readonly string[] {
  return ref.inputs ?? [ref.input];
}

/** A format 2 manifest as its file holds it (no `input`; `inputs` lists instead). */
export interface PackManifestV2File extends Omit<PackManifest, 'format' | 'input' | 'inputs' | 'predictor' | 'reference'> {
  readonly format: typeof PACK_FORMAT_V2;
  readonly inputs: readonly PackInputSpec[];
  readonly predictor: { readonly file: string; readonly inputs: readonly string[]; readonly output: string };
  readonly reference?: { readonly file: string; readonly inputs: readonly string[]; readonly outputs: readonly string[] };
}

/**
 * The in-memory form of a manifest file that passed its schema: format 2's lists stay, and the
 * single-input fields point at their first entry; format 1 gains the lists.
 */
export function normalizeManifest(file: PackManifest | PackManifestV2File): PackManifest {
  if (file.format === PACK_FORMAT_V2) {
    const v2 = file as PackManifestV2File;
    const { reference, predictor, ...rest } = v2;
    return {
      ...rest,
      input: v2.inputs[0]!,
      inputs: v2.inputs,
      stages: v2.stages ?? [],
      predictor: { ...predictor, input: predictor.inputs[0]! },
      ...(reference ? { reference: { ...reference, input: reference.inputs[0]! } } : {}),
    };
  }
  const v1 = file as PackManifest;
  return {
    ...v1,
    inputs: [v1.input],
    stages: [],
    predictor: { ...v1.predictor, inputs: [v1.predictor.input] },
    ...(v1.reference ? { reference: { ...v1.reference, inputs: [v1.reference.input] } } : {}),
  };
}
