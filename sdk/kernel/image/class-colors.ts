import { createImage, type Image, type LabelMap } from './image.js';

/** Distinct, stable colours by class id (golden-angle hues), so maps read the same everywhere. */
export function classColor(id: number): [number, number, number] {
  const hue = (id * 137.508) % 360;
  const saturation = 0.65;
  const lightness = id % 2 ? 0.45 : 0.6;
  const k = (n: number) => (n + hue / 30) % 12;
  const a = saturation * Math.min(lightness, 1 - lightness);
  const f = (n: number) => lightness - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0), f(8), f(4)];
}

/** A label map as an RGB image, one colour per class. */
export function colorizeLabels(map: LabelMap): Image {
  const image = createImage(map.width, map.height, 3);
  // Unnamed maps (no class list) still get a colour per id.
  const palette = Array.from({ length: 256 }, (_, id) => classColor(id));
  for (let p = 0; p < map.ids.length; p++) image.data.set(palette[map.ids[p]!]!, p * 3);
  return image;
}
