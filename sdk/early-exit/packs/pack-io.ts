/**
 * Converting between the SDK's image types and a pack's tensors: label maps become one-hot
 * [1, C, H, W], images become [1, 3, H, W] in [-1, 1]; head outputs [1, 3, H, W] in the pack's
 * output range become HWC images in [0, 1]. Wrong sizes and unknown classes are clear errors,
 * never silent resizes.
 */
import * as ort from 'onnxruntime-node';
import { createImage, type Image, type LabelMap } from '../../kernel/image/image.js';
import { inputChannels, type PackManifest } from './manifest.js';

export type PackInput = LabelMap | Image | ort.Tensor;

export function isLabelMap(value: PackInput): value is LabelMap {
  return (value as LabelMap).ids instanceof Uint8Array;
}

function isTensor(value: PackInput): value is ort.Tensor {
  return value instanceof ort.Tensor;
}

/**
 * Throws the error `packInputTensor` would throw for `input`, without packing it: the checks are
 * cheap (one pass over a label map's ids), the packing is not (a 128x128 map over 10 classes is
 * a 650 KB one-hot), so a runner checks an input at once and packs it when its first session runs.
 */
export function checkPackInput(manifest: PackManifest, input: PackInput): void {
  const spec = manifest.input;
  const { height: H, width: W } = spec;
  if (isTensor(input)) {
    const expected = [1, inputChannels(spec), H, W];
    if (input.type !== 'float32' || input.dims.join() !== expected.join()) {
      throw new Error(`pack ${manifest.name}: input tensor must be float32 [${expected.join(', ')}], got ${input.type} [${input.dims.join(', ')}]`);
    }
    return;
  }
  if (input.width !== W || input.height !== H) {
    throw new Error(`pack ${manifest.name} takes ${W}x${H} inputs, got ${input.width}x${input.height}; resize it first`);
  }
  if (spec.kind === 'label_map') {
    if (!isLabelMap(input)) throw new Error(`pack ${manifest.name} takes a label map, got an image`);
    labelTranslation(manifest.name, spec.classes, input);
    return;
  }
  if (isLabelMap(input)) throw new Error(`pack ${manifest.name} takes an image, got a label map`);
}

/** The pack's input tensor (cpu, float32) for a label map, an image or a ready tensor. */
export function packInputTensor(manifest: PackManifest, input: PackInput): ort.Tensor {
  checkPackInput(manifest, input);
  if (isTensor(input)) return input;
  const spec = manifest.input;
  if (spec.kind === 'label_map') return labelMapTensor(spec.classes, input as LabelMap, labelTranslation(manifest.name, spec.classes, input as LabelMap));
  return imageTensor(input as Image);
}

/**
 * Pack class index of each of the map's own class ids (class ids index the map's own class
 * list; they are translated by name when it differs from the pack's). Unknown class names and
 * ids past the map's class list are errors naming the culprit.
 */
function labelTranslation(packName: string, classes: readonly string[], map: LabelMap): number[] {
  const { width: W, height: H } = map;
  if (map.ids.length !== W * H) throw new Error(`label map has ${map.ids.length} ids, expected ${W}x${H} = ${W * H}`);
  const translate = classTranslation(packName, classes, map);
  const own = map.classes.length ? map.classes : classes;
  // The largest id first, then the culprit's position only if there is one: this pass runs on
  // every new map before the predictor, and a bare max loop is several times faster.
  const ids = map.ids;
  let largest = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i]! > largest) largest = ids[i]!;
  if (largest >= own.length) {
    const i = ids.findIndex((id) => id >= own.length);
    throw new Error(`label id ${ids[i]} at (${i % W}, ${Math.floor(i / W)}) is out of range: the label map has ${own.length} classes`);
  }
  return translate;
}

/** The pack class index of each of the map's own class ids, by name (no pass over the pixels). */
export function classTranslation(packName: string, classes: readonly string[], map: LabelMap): number[] {
  const own = map.classes.length ? map.classes : classes;
  const translate = own.map((name) => classes.indexOf(name));
  const unknown = own.filter((_, i) => translate[i]! < 0);
  if (unknown.length) throw new Error(`label map classes ${unknown.map((c) => `"${c}"`).join(', ')} are not classes of pack ${packName} (${classes.join(', ')})`);
  return translate;
}

/** One-hot [1, C, H, W] over the pack's `classes`, from a map checked by `labelTranslation`. */
function labelMapTensor(classes: readonly string[], map: LabelMap, translate: readonly number[]): ort.Tensor {
  const { width: W, height: H } = map;
  const plane = W * H;
  const data = new Float32Array(classes.length * plane);
  // Where each id's plane starts, and the ids in a local: this loop runs on every input before
  // the predictor, often only once in a process (not yet optimized), so it does as little per
  // pixel as it can. Ids were range-checked by labelTranslation.
  const start = new Int32Array(256);
  translate.forEach((target, id) => (start[id] = target * plane));
  const ids = map.ids;
  for (let i = 0; i < plane; i++) data[start[ids[i]!]! + i] = 1;
  return new ort.Tensor('float32', data, [1, classes.length, H, W]);
}

function imageTensor(image: Image): ort.Tensor {
  const { width: W, height: H, channels } = image;
  const plane = W * H;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      // Grey is replicated to RGB; alpha is dropped.
      const v = image.data[i * channels + (channels === 1 ? 0 : c)]!;
      data[c * plane + i] = v * 2 - 1;
    }
  }
  return new ort.Tensor('float32', data, [1, 3, H, W]);
}

/** A head's [1, 3, H, W] output in `range` -> HWC RGB image in [0, 1] (clamped). */
export function outputImage(data: Float32Array, dims: readonly number[], range: readonly [number, number]): Image {
  const [, channels, H, W] = dims;
  if (dims.length !== 4 || channels !== 3 || H === undefined || W === undefined) throw new Error(`exit output must be [1, 3, H, W], got [${dims.join(', ')}]`);
  const [lo, hi] = range;
  const plane = W * H;
  const out = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (data[c * plane + i]! - lo) / (hi - lo);
      out[i * 3 + c] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return createImage(W, H, 3, out);
}
