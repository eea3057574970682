import { classColor, cssColor } from './class-colors.js';
import { encodeGreyPng, toDataUrl } from './grey-png.js';

/** A label map being painted: class id per pixel. */
export interface LabelCanvas {
  width: number;
  height: number;
  ids: Uint8Array;
}

export interface PainterOptions {
  readonly width: number;
  readonly height: number;
  readonly classes: readonly string[];
  /** The current painting (PNG data URL), or '' for a blank map. */
  readonly map: string;
  /** Called with the new PNG data URL when the user applies the painting. */
  readonly apply: (dataUrl: string, preview: string) => void;
}

/** Reads a greyscale label PNG (data URL) back into ids, resized (nearest) to width x height. */
export async function decodeLabelPng(dataUrl: string, width: number, height: number): Promise<Uint8Array> {
  const ids = new Uint8Array(width * height);
  if (!dataUrl) return ids;
  const bitmap = await createImageBitmap(await (await fetch(dataUrl)).blob(), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(bitmap, 0, 0, width, height);
  const pixels = ctx.getImageData(0, 0, width, height).data;
  for (let p = 0; p < ids.length; p++) ids[p] = pixels[p * 4]!;
  return ids;
}

/** The map in class colours, as a PNG data URL (the node's thumbnail). */
export function colourPreview(map: LabelCanvas): string {
  const canvas = document.createElement('canvas');
  canvas.width = map.width;
  canvas.height = map.height;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(map.width, map.height);
  for (let p = 0; p < map.ids.length; p++) {
    const [r, g, b] = classColor(map.ids[p]!);
    image.data.set([r, g, b, 255], p * 4);
  }
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}

/** 4-connected flood fill of the region of `map` that has the class at (x, y). */
export function floodFill(map: LabelCanvas, x: number, y: number, id: number): void {
  const from = map.ids[y * map.width + x]!;
  if (from === id) return;
  const stack = [y * map.width + x];
  while (stack.length) {
    const p = stack.pop()!;
    if (map.ids[p] !== from) continue;
    map.ids[p] = id;
    const px = p % map.width;
    if (px > 0) stack.push(p - 1);
    if (px < map.width - 1) stack.push(p + 1);
    if (p >= map.width) stack.push(p - map.width);
    if (p < map.ids.length - map.width) stack.push(p + map.width);
  }
}

/** A round brush stamp of class `id` at (x, y). */
export function stamp(map: LabelCanvas, x: number, y: number, radius: number, id: number): void {
  const r = Math.max(0, radius - 0.5);
  for (let dy = -Math.ceil(r); dy <= Math.ceil(r); dy++) {
    for (let dx = -Math.ceil(r); dx <= Math.ceil(r); dx++) {
      if (dx * dx + dy * dy > r * r + 0.25) continue;
      const px = Math.round(x) + dx;
      const py = Math.round(y) + dy;
      if (px >= 0 && py >= 0 && px < map.width && py < map.height) map.ids[py * map.width + px] = id;
    }
  }
}

/**
 * The label-map painter: a modal with the map (zoomed, pixelated), a class palette, a brush
 * with a size, a fill bucket and "clear to class". Apply stores the map as a greyscale PNG
 * (pixel value = class id) in the node's param.
 */
export async function openPainter(options: PainterOptions): Promise<void> {
  const map: LabelCanvas = { width: options.width, height: options.height, ids: await decodeLabelPng(options.map, options.width, options.height) };
  for (let p = 0; p < map.ids.length; p++) if (map.ids[p]! >= options.classes.length) map.ids[p] = 0;

  const overlay = element('div', { className: 'painter-overlay', id: 'label-painter' });
  const dialog = element('div', { className: 'painter' });
  overlay.append(dialog);
  const title = element('h2', { textContent: `Paint label map (${map.width}×${map.height})` });
  const tools = element('div', { className: 'painter-tools' });
  const palette = element('div', { className: 'painter-palette' });
  const surface = element('canvas', { className: 'painter-canvas' }) as HTMLCanvasElement;
  surface.width = map.width;
  surface.height = map.height;
  const scale = Math.max(1, Math.floor(Math.min(560 / map.width, 560 / map.height)));
  surface.style.width = `${map.width * scale}px`;
  surface.style.height = `${map.height * scale}px`;

  let current = Math.min(1, options.classes.length - 1);
  let tool: 'brush' | 'fill' = 'brush';
  let radius = Math.max(1, Math.round(Math.min(map.width, map.height) / 16));

  const swatches = options.classes.map((name, id) => {
    const button = element('button', { className: 'swatch', title: `class ${id}: ${name}` }) as HTMLButtonElement;
    button.dataset.classId = String(id);
    button.append(element('span', { className: 'chip' }), element('span', { textContent: `${id} ${name}` }));
    (button.firstChild as HTMLElement).style.background = cssColor(id);
    button.onclick = () => select(id);
    palette.append(button);
    return button;
  });
  const select = (id: number) => {
    current = id;
    swatches.forEach((s, i) => s.classList.toggle('selected', i === id));
  };
  select(current);

  const brushButton = element('button', { textContent: 'Brush', className: 'tool', id: 'painter-brush' }) as HTMLButtonElement;
  const fillButton = element('button', { textContent: 'Fill', className: 'tool', id: 'painter-fill' }) as HTMLButtonElement;
  const setTool = (t: typeof tool) => {
    tool = t;
    brushButton.classList.toggle('selected', t === 'brush');
    fillButton.classList.toggle('selected', t === 'fill');
  };
  brushButton.onclick = () => setTool('brush');
  fillButton.onclick = () => setTool('fill');
  setTool('brush');
  const size = element('input', { type: 'range', min: '1', max: String(Math.max(2, Math.round(Math.min(map.width, map.height) / 2))), value: String(radius), id: 'painter-size', title: 'brush size' }) as HTMLInputElement;
  size.oninput = () => (radius = Number(size.value));
  const clear = element('button', { textContent: 'Clear to class', className: 'tool' }) as HTMLButtonElement;
  clear.onclick = () => {
    map.ids.fill(current);
    draw();
  };
  tools.append(brushButton, fillButton, element('label', { textContent: 'size' }), size, clear);

  const ctx = surface.getContext('2d')!;
  const image = ctx.createImageData(map.width, map.height);
  const draw = () => {
    for (let p = 0; p < map.ids.length; p++) {
      const [r, g, b] = classColor(map.ids[p]!);
      image.data[p * 4] = r;
      image.data[p * 4 + 1] = g;
      image.data[p * 4 + 2] = b;
      image.data[p * 4 + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  };
  draw();

  const at = (e: PointerEvent): [number, number] => {
    const rect = surface.getBoundingClientRect();
    return [((e.clientX - rect.left) / rect.width) * map.width - 0.5, ((e.clientY - rect.top) / rect.height) * map.height - 0.5];
  };
  let last: [number, number] | undefined;
  surface.onpointerdown = (e) => {
    surface.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    if (tool === 'fill') {
      floodFill(map, clampInt(x, map.width), clampInt(y, map.height), current);
    } else {
      stamp(map, x, y, radius, current);
      last = [x, y];
    }
    draw();
  };
  surface.onpointermove = (e) => {
    if (!last || tool !== 'brush') return;
    const [x, y] = at(e);
    const steps = Math.max(1, Math.ceil(Math.hypot(x - last[0], y - last[1]) / Math.max(0.5, radius / 2)));
    for (let i = 1; i <= steps; i++) stamp(map, last[0] + ((x - last[0]) * i) / steps, last[1] + ((y - last[1]) * i) / steps, radius, current);
    last = [x, y];
    draw();
  };
  surface.onpointerup = () => (last = undefined);

  const actions = element('div', { className: 'painter-actions' });
  const cancel = element('button', { textContent: 'Cancel', id: 'painter-cancel' }) as HTMLButtonElement;
  const apply = element('button', { textContent: 'Apply', className: 'primary', id: 'painter-apply' }) as HTMLButtonElement;
  actions.append(cancel, apply);
  const close = () => overlay.remove();
  cancel.onclick = close;
  apply.onclick = async () => {
    const png = await encodeGreyPng(map.ids, map.width, map.height);
    options.apply(toDataUrl(png), colourPreview(map));
    close();
  };
  overlay.onkeydown = (e) => e.key === 'Escape' && close();

  const body = element('div', { className: 'painter-body' });
  body.append(element('div', { className: 'painter-surface' }, surface), palette);
  dialog.append(title, tools, body, actions);
  document.body.append(overlay);
}

function clampInt(v: number, size: number): number {
  return Math.min(size - 1, Math.max(0, Math.round(v)));
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) (el as unknown as Record<string, string>)[key] = value!;
  el.append(...children);
  return el;
}
