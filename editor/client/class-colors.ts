/**
 * Class colours for the painter and thumbnails, from the SDK's one palette (natural colours by
 * class name, a distinct hue otherwise), so a painted map looks like its colourized output.
 */
import { classColorFor } from '../../sdk/kernel/browser.js';

export function classColor(id: number, classes: readonly string[]): readonly [number, number, number] {
  return classColorFor(id, classes);
}

export function cssColor(id: number, classes: readonly string[]): string {
  const [r, g, b] = classColor(id, classes);
  return `rgb(${r}, ${g}, ${b})`;
}
