import { classColor, cssColor } from './class-colors.js';
import { encodeGreyPng, toDataUrl } from './grey-png.js';

/** A label map being painted: class id per pixel, and the class names (which pick the colours). */
export interface LabelCanvas {
  width: number;
  height: number;
  ids: Uint8Array;
  classes: readonly string[];
}

export interface PainterOptions {
  readonly width: number;
  readonly height: number;
  readonly classes: readonly string[];
  /** The current painting (PNG data URL), or '' for a blank map. */
  readonly map: string;
  /** Called with the new PNG data URL when the user applies the painting. */
  readonly apply: (dataUrl: string, preview: string) => void;
  /** Live painting: a pane shown beside the map, told after every stroke with the painting so far. */
  readonly live?: LivePainter;
  /** Called when the user cancels (live painting puts back the painting it started from). */
  readonly cancel?: () => void;
}

/** What the painter needs of live painting. */
export interface LivePainter {
  readonly pane: HTMLElement;
  /** After each stroke (brush, fill, clear): the painting as a PNG data URL and its colour preview. */
  stroke(dataUrl: string, preview: string): void;
  /** The painter closed. */
  close(): void;
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
    const [r, g, b] = classColor(map.ids[p]!, map.classes);
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

/** What the painter's tools act with: the map, the class being painted, the tool and its size. */
interface PainterState {
  readonly map: LabelCanvas;
  current: number;
  tool: 'brush' | 'fill';
  radius: number;
}

/**
 * The label-map painter: a modal with the map (zoomed, pixelated), a class palette, a brush
 * with a size, a fill bucket and "clear to class". Apply stores the map as a greyscale PNG
 * (pixel value = class id) in the node's param.
 */
export async function openPainter(options: PainterOptions): Promise<void> {
  const map = await startingMap(options);
  const state: PainterState = { map, current: Math.min(1, options.classes.length - 1), tool: 'brush', radius: Math.max(1, Math.round(Math.min(map.width, map.height) / 16)) };
  const surface = paintSurface(map);
  const palette = classPalette(options.classes, state);
  const { live } = options;
  // Strokes end on pointer up; several in one turn (a fill, then a click) make one live run.
  const strokeEnded = live
    ? () => void encodeGreyPng(map.ids, map.width, map.height).then((png) => live.stroke(toDataUrl(png), colourPreview(map)))
    : () => undefined;
  const tools = toolRow(state, surface.redraw, strokeEnded);
  bindStrokes(surface.canvas, state, surface.redraw, strokeEnded);

  const overlay = element('div', { className: 'painter-overlay', id: 'label-painter' });
  const close = () => {
    overlay.remove();
    live?.close();
  };
  const cancel = () => {
    close();
    options.cancel?.();
  };
  overlay.onkeydown = (e) => e.key === 'Escape' && cancel();
  const body = element('div', { className: 'painter-body' });
  body.append(element('div', { className: 'painter-surface' }, surface.canvas), palette);
  if (live) body.append(live.pane);
  const dialog = element('div', { className: 'painter' });
  dialog.append(element('h2', { textContent: `Paint label map (${map.width}×${map.height})` }), tools, body, actionRow(map, options.apply, close, cancel));
  overlay.append(dialog);
  document.body.append(overlay);
}

/** The node's current painting, with ids the classes do not name reset to class 0. */
async function startingMap(options: PainterOptions): Promise<LabelCanvas> {
  const map: LabelCanvas = { width: options.width, height: options.height, ids: await decodeLabelPng(options.map, options.width, options.height), classes: options.classes };
  for (let p = 0; p < map.ids.length; p++) if (map.ids[p]! >= options.classes.length) map.ids[p] = 0;
  return map;
}

/** The canvas showing the map in class colours, one canvas pixel per map pixel, zoomed by CSS. */
function paintSurface(map: LabelCanvas): { canvas: HTMLCanvasElement; redraw: () => void } {
  const canvas = element('canvas', { className: 'painter-canvas' });
  canvas.width = map.width;
  canvas.height = map.height;
  // As large as the window allows (room left for the tools and buttons), in whole pixels per map pixel.
  const room = Math.max(256, Math.min(900, window.innerHeight - 200, window.innerWidth - 420));
  const scale = Math.max(1, Math.floor(Math.min(room / map.width, room / map.height)));
  canvas.style.width = `${map.width * scale}px`;
  canvas.style.height = `${map.height * scale}px`;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(map.width, map.height);
  const redraw = () => {
    for (let p = 0; p < map.ids.length; p++) {
      const [r, g, b] = classColor(map.ids[p]!, map.classes);
      image.data.set([r, g, b, 255], p * 4);
    }
    ctx.putImageData(image, 0, 0);
  };
  redraw();
  return { canvas, redraw };
}

/** A swatch per class; clicking one makes it the class painted. */
function classPalette(classes: readonly string[], state: PainterState): HTMLElement {
  const palette = element('div', { className: 'painter-palette' });
  const swatches = classes.map((name, id) => {
    const chip = element('span', { className: 'chip' });
    chip.style.background = cssColor(id, classes);
    const button = element('button', { className: 'swatch', title: `class ${id}: ${name}` }, chip, element('span', { textContent: `${id} ${name}` }));
    button.dataset.classId = String(id);
    button.onclick = () => select(id);
    return button;
  });
  const select = (id: number) => {
    state.current = id;
    swatches.forEach((swatch, i) => swatch.classList.toggle('selected', i === id));
  };
  select(state.current);
  palette.append(...swatches);
  return palette;
}

/** Brush, fill, the brush size and "clear to class". */
function toolRow(state: PainterState, redraw: () => void, strokeEnded: () => void): HTMLElement {
  const brush = element('button', { textContent: 'Brush', className: 'tool', id: 'painter-brush' });
  const fill = element('button', { textContent: 'Fill', className: 'tool', id: 'painter-fill' });
  const setTool = (tool: PainterState['tool']) => {
    state.tool = tool;
    brush.classList.toggle('selected', tool === 'brush');
    fill.classList.toggle('selected', tool === 'fill');
  };
  brush.onclick = () => setTool('brush');
  fill.onclick = () => setTool('fill');
  setTool(state.tool);
  const { width, height } = state.map;
  const size = element('input', { type: 'range', min: '1', max: String(Math.max(2, Math.round(Math.min(width, height) / 2))), value: String(state.radius), id: 'painter-size', title: 'brush size' });
  const sizeValue = element('output', { id: 'painter-size-value', textContent: `${state.radius} px` });
  size.oninput = () => {
    state.radius = Number(size.value);
    sizeValue.textContent = `${state.radius} px`;
  };
  const clear = element('button', { textContent: 'Clear to class', className: 'tool' });
  clear.onclick = () => {
    state.map.ids.fill(state.current);
    redraw();
    strokeEnded();
  };
  const tools = element('div', { className: 'painter-tools' });
  tools.append(brush, fill, element('label', { textContent: 'size' }), size, sizeValue, clear);
  return tools;
}

/** Pointer strokes on the surface: a fill on press, or brush stamps along the drag. */
function bindStrokes(surface: HTMLCanvasElement, state: PainterState, redraw: () => void, strokeEnded: () => void): void {
  const { map } = state;
  const at = (e: PointerEvent): [number, number] => {
    const rect = surface.getBoundingClientRect();
    return [((e.clientX - rect.left) / rect.width) * map.width - 0.5, ((e.clientY - rect.top) / rect.height) * map.height - 0.5];
  };
  let last: [number, number] | undefined;
  surface.onpointerdown = (e) => {
    surface.setPointerCapture(e.pointerId);
    const [x, y] = at(e);
    if (state.tool === 'fill') {
      floodFill(map, clampInt(x, map.width), clampInt(y, map.height), state.current);
    } else {
      stamp(map, x, y, state.radius, state.current);
      last = [x, y];
    }
    redraw();
  };
  surface.onpointermove = (e) => {
    if (!last || state.tool !== 'brush') return;
    const [x, y] = at(e);
    // Stamps close enough together that a fast drag still paints a continuous line.
    const steps = Math.max(1, Math.ceil(Math.hypot(x - last[0], y - last[1]) / Math.max(0.5, state.radius / 2)));
    for (let i = 1; i <= steps; i++) stamp(map, last[0] + ((x - last[0]) * i) / steps, last[1] + ((y - last[1]) * i) / steps, state.radius, state.current);
    last = [x, y];
    redraw();
  };
  surface.onpointerup = () => {
    last = undefined;
    strokeEnded();
  };
}

/** Cancel, and Apply: the map as a greyscale PNG data URL plus its colour preview. */
function actionRow(map: LabelCanvas, apply: PainterOptions['apply'], close: () => void, cancelled: () => void): HTMLElement {
  const cancel = element('button', { textContent: 'Cancel', id: 'painter-cancel' });
  const applyButton = element('button', { textContent: 'Apply', className: 'primary', id: 'painter-apply' });
  cancel.onclick = cancelled;
  applyButton.onclick = async () => {
    const png = await encodeGreyPng(map.ids, map.width, map.height);
    apply(toDataUrl(png), colourPreview(map));
    close();
  };
  const actions = element('div', { className: 'painter-actions' });
  actions.append(cancel, applyButton);
  return actions;
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
