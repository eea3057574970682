/**
 * In-memory images as nodes exchange them. Pixels are float32, row-major, interleaved channels
 * (HWC), values in [0, 1] — the layout image libraries read and write, so IO needs no shuffling.
 */
export interface Image {
  readonly width: number;
  readonly height: number;
  /** 1 (grey/mask), 3 (RGB) or 4 (RGBA). */
  readonly channels: 1 | 3 | 4;
  readonly data: Float32Array;
}

/**
 * Per-pixel class ids (row-major) and the names of the classes they index. An empty `classes`
 * means unnamed: the ids are meant as the consumer's own class ids (e.g. a model pack's).
 */
export interface LabelMap {
  readonly width: number;
  readonly height: number;
  readonly ids: Uint8Array;
  readonly classes: readonly string[];
}

export function createImage(width: number, height: number, channels: Image['channels'], data?: Float32Array): Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`image size must be positive integers, got ${width}x${height}`);
  }
  const length = width * height * channels;
  if (data && data.length !== length) {
    throw new Error(`image data has ${data.length} values, expected ${width}x${height}x${channels} = ${length}`);
  }
  return { width, height, channels, data: data ?? new Float32Array(length) };
}

export function isImage(value: unknown): value is Image {
  const v = value as Image;
  return typeof v === 'object' && v !== null && v.data instanceof Float32Array && typeof v.width === 'number';
}

/** uint8 HWC bytes -> Image. */
export function imageFromBytes(bytes: Uint8Array, width: number, height: number, channels: Image['channels']): Image {
  const data = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) data[i] = bytes[i]! / 255;
  return createImage(width, height, channels, data);
}

/** Image -> uint8 HWC bytes (rounded, clamped). */
export function imageToBytes(image: Image): Uint8Array {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round(image.data[i]! * 255);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
