/**
 * Class colours in 0-255, from the same formula as the ColorizeLabelMap node (the SDK's
 * classColor), so a painted map looks like its colourized output.
 */
import { classColor as unitClassColor } from '../../sdk/kernel/browser.js';

export function classColor(id: number): [number, number, number] {
  const [r, g, b] = unitClassColor(id);
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

export function cssColor(id: number): string {
  const [r, g, b] = classColor(id);
  return `rgb(${r}, ${g}, ${b})`;
}
