import { createImage, type Image, type LabelMap } from './image.js';

/** An RGB colour, 0-255 per channel. */
export type Rgb255 = readonly [number, number, number];

/**
 * Natural colours for classes a landscape painter uses, by class name (the colours of
 * examples/label-maps/*.preview.png): sky blue, cloud light grey, mountain brown-grey, snow white,
 * rock grey, water blue, sand tan, grass green, tree dark green, flower yellow. The one palette
 * the painter, Colorize Label Map, pack reports and previews share.
 */
export const NATURAL_CLASS_COLORS: Readonly<Record<string, Rgb255>> = {
  sky: [135, 180, 235],
  cloud: [240, 240, 240],
  mountain: [110, 100, 110],
  snow: [255, 255, 255],
  rock: [150, 140, 130],
  water: [30, 70, 160],
  sand: [220, 200, 140],
  grass: [80, 160, 60],
  tree: [20, 90, 30],
  flower: [250, 220, 50],
};

/** Distinct, stable colours by class id (golden-angle hues), 0-1: for classes without a natural colour. */
export function classColor(id: number): [number, number, number] {
  const hue = (id * 137.508) % 360;
  const saturation = 0.65;
  const lightness = id % 2 ? 0.45 : 0.6;
  const k = (n: number) => (n + hue / 30) % 12;
  const a = saturation * Math.min(lightness, 1 - lightness);
  const f = (n: number) => lightness - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [f(0), f(8), f(4)];
}

/**
 * The colour of class `id`, 0-255: the pack's own colour list when it has one, else the natural
 * colour of the class's name, else a distinct hue for the id.
 */
export function classColorFor(id: number, classes: readonly string[] = [], colors?: readonly Rgb255[]): Rgb255 {
  const own = colors?.[id];
  if (own) return own;
  const natural = NATURAL_CLASS_COLORS[(classes[id] ?? '').trim().toLowerCase()];
  if (natural) return natural;
  const [r, g, b] = classColor(id);
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** Colours for all 256 ids of a map with these class names (see classColorFor). */
export function classPalette(classes: readonly string[] = [], colors?: readonly Rgb255[]): Rgb255[] {
  return Array.from({ length: 256 }, (_, id) => classColorFor(id, classes, colors));
}

/** A label map as an RGB image, one colour per class (natural colours by name; `colors` overrides). */
export function colorizeLabels(map: LabelMap, colors?: readonly Rgb255[]): Image {
  const image = createImage(map.width, map.height, 3);
  const palette = classPalette(map.classes, colors).map((rgb) => rgb.map((v) => v / 255));
  for (let p = 0; p < map.ids.length; p++) image.data.set(palette[map.ids[p]!]!, p * 3);
  return image;
}
