import sharp from 'sharp';

/**
 * Small SVG charts for reports (line and bar), rasterised to PNG with sharp's SVG support, so
 * reports need no plotting dependency and look the same everywhere.
 */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
  /** Draw points only (a scatter) instead of lines. */
  readonly scatter?: boolean;
  /** Horizontal reference lines, e.g. tau. */
  readonly guides?: readonly { readonly y: number; readonly label: string }[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const MARGIN = { left: 64, right: 150, top: 36, bottom: 48 };

function escape(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function niceTicks(min: number, max: number, count = 5): number[] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= count) ?? span / count;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max + 1e-12; v += nice) ticks.push(Number(v.toPrecision(6)));
  return ticks;
}

export function lineChart(series: readonly Series[], options: ChartOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const all = series.flatMap((s) => s.points);
  const ys = [...all.map((p) => p[1]), ...(options.guides ?? []).map((g) => g.y)];
  const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys) * 1.05 || 1];
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * (width - MARGIN.left - MARGIN.right);
  const py = (y: number) => height - MARGIN.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - MARGIN.top - MARGIN.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escape(options.title)}</text>`,
  ];
  for (const t of niceTicks(x0, x1)) parts.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${MARGIN.top}" y2="${height - MARGIN.bottom}" stroke="#eee"/><text x="${px(t)}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${t}</text>`);
  for (const t of niceTicks(y0, y1)) parts.push(`<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${py(t)}" y2="${py(t)}" stroke="#eee"/><text x="${MARGIN.left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${width - MARGIN.left - MARGIN.right}" height="${height - MARGIN.top - MARGIN.bottom}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${(MARGIN.left + width - MARGIN.right) / 2}" y="${height - 10}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(MARGIN.top + height - MARGIN.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);
  for (const guide of options.guides ?? []) {
    parts.push(`<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${py(guide.y)}" y2="${py(guide.y)}" stroke="#999" stroke-dasharray="4 3"/><text x="${width - MARGIN.right - 4}" y="${py(guide.y) - 4}" text-anchor="end" fill="#666">${escape(guide.label)}</text>`);
  }
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    if (options.scatter) {
      for (const [x, y] of s.points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2" fill="${color}" fill-opacity="0.5"/>`);
    } else {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of s.points) parts.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
    }
    parts.push(`<rect x="${width - MARGIN.right + 10}" y="${MARGIN.top + i * 18}" width="12" height="12" fill="${color}"/><text x="${width - MARGIN.right + 28}" y="${MARGIN.top + i * 18 + 10}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Histograms of several samples on one axis (e.g. LPIPS-to-full per exit). */
export function histogramChart(samples: readonly { name: string; values: readonly number[] }[], options: ChartOptions & { bins?: number }): string {
  const bins = options.bins ?? 20;
  const all = samples.flatMap((s) => s.values);
  const [lo, hi] = [Math.min(0, ...all), Math.max(...all, 1e-6)];
  const width = (hi - lo) / bins;
  const series = samples.map((s) => {
    const counts = new Array<number>(bins).fill(0);
    for (const v of s.values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]! += 1;
    return { name: s.name, points: counts.map((c, i) => [lo + (i + 0.5) * width, c / Math.max(1, s.values.length)] as const) };
  });
  return lineChart(series, options);
}

export async function svgToPng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}
