/** How the editor writes figures: counts with SI prefixes, durations in ms or s. */

/** `1234567` -> `1.23 M`; MACs get big. */
export function formatCount(value: number): string {
  const units = ['', 'k', 'M', 'G', 'T'];
  let v = value;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u += 1;
  }
  return `${u ? v.toPrecision(3) : Math.round(v)}${units[u] ? ` ${units[u]}` : ''}`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
}
