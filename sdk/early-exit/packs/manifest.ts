/**
 * The model pack manifest (`models/packs/<name>/manifest.json`), as docs/pack-format.md defines
 * it. Field names are snake_case because the file is shared with the Python toolkit.
 */

export const PACK_FORMAT = 'exitgraph.pack/1';

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

/** An RGB image input in [-1, 1]. */
export interface ImageInputSpec extends PackInputFields {
  readonly kind: 'image';
  /** Allowed by the schema, unused for images. */
  readonly classes?: readonly string[];
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

export interface PredictorSpec {
  readonly file: string;
  readonly input: string;
  /** [1, E]: predicted distance per exit. */
  readonly output: string;
}

export interface SplitSpec {
  readonly labels: string;
  readonly images?: string;
  readonly count: number;
}

/**
 * The calibration inputs at low resolution, for the novelty score (sdk/early-exit/novelty):
 * `file` holds `count` label maps of `height` x `width` class ids (uint8, back to back), in
 * calibration.json's order.
 */
export interface NoveltySpec {
  readonly file: string;
  /** The set the maps are of (today always `calibration`). */
  readonly split?: string;
  readonly count: number;
  readonly height: number;
  readonly width: number;
}

export interface ReferenceSpec {
  readonly file: string;
  readonly input: string;
  readonly outputs: readonly string[];
}

export interface PackManifest {
  readonly format: typeof PACK_FORMAT;
  readonly name: string;
  readonly version: string;
  readonly task: string;
  readonly description?: string;
  readonly input: PackInputSpec;
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
