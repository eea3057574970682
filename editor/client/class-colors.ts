/**
 * Distinct, stable colours by class id (golden-angle hues), the same formula as the built-in
 * ColorizeLabelMap node, so a painted map looks like its colourized output.
 */
export function classColor(id: number): [number, number, number] {
  const hue = (id * 137.508) % 360;
  const s = 0.65;
  const l = id % 2 ? 0.45 : 0.6;
  const k = (n: number) => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

export function cssColor(id: number): string {
  const [r, g, b] = classColor(id);
  return `rgb(${r}, ${g}, ${b})`;
}
