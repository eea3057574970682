/** Images (HWC float32 in [0, 1]) to the NCHW float32 [-1, 1] batches LPIPS takes. */
import type { Image } from '../../kernel/image/image.js';

/**
 * Packs images of one size into one NCHW float32 batch in [-1, 1] (x * 2 - 1). Grey images are
 * repeated over R, G, B; alpha is dropped. Writes into `out` at image index `start` when given.
 */
export function imagesToLpipsTensor(images: readonly Image[], out?: Float32Array, start = 0): Float32Array {
  if (images.length === 0) return out ?? new Float32Array(0);
  const { width: w, height: h } = images[0]!;
  const plane = w * h;
  const target = out ?? new Float32Array(images.length * 3 * plane);
  images.forEach((image, n) => {
    if (image.width !== w || image.height !== h) {
      throw new Error(`imagesToLpipsTensor: image ${n} is ${image.width}x${image.height}, image 0 is ${w}x${h}`);
    }
    const base = (start + n) * 3 * plane;
    const { data, channels } = image;
    for (let p = 0; p < plane; p++) {
      const i = p * channels;
      if (channels === 1) {
        const v = data[i]! * 2 - 1;
        target[base + p] = v;
        target[base + plane + p] = v;
        target[base + 2 * plane + p] = v;
      } else {
        target[base + p] = data[i]! * 2 - 1;
        target[base + plane + p] = data[i + 1]! * 2 - 1;
        target[base + 2 * plane + p] = data[i + 2]! * 2 - 1;
      }
    }
  });
  return target;
}
