import { LGraphBadge, LGraphNode, LiteGraph } from '@comfyorg/litegraph';
import type { ISerialisedNode } from '@comfyorg/litegraph/dist/types/serialisation';
import type { IBaseWidget } from '@comfyorg/litegraph/dist/types/widgets';
import type { NodeDescription, ParamSchema, PortDescription } from '../../sdk/kernel/browser.js';
import { addParamWidget, initialValue, showValue } from './param-widgets.js';
import { controllingParams, isParamShown } from './param-visibility.js';
import { hudLines } from './hud.js';
import { formatCount, formatMs, idleState, type NodeRunState } from './run-state.js';

const HUD_LINE = 15;
const HUD_FONT = '11px sans-serif';

/** What nodes need from the editor around them. */
export interface NodeHooks {
  readonly ports: ReadonlyMap<string, PortDescription>;
  /** Opens the label-map painter for a param holding a painted map. */
  openPainter(node: ExitgraphNode, param: string): void;
  /** Lets the user pick an image file, uploads it, and returns its name in the input folder. */
  uploadImage(): Promise<string | undefined>;
  /** Called when the graph changes (params edited). */
  changed(): void;
  /** Called after param `name` of `node` changed (after `changed`). */
  paramChanged(node: ExitgraphNode, name: string): void;
  /** Opens the image viewer on a node's images, at image `index`. */
  viewImages(node: ExitgraphNode, index: number): void;
}

const PHASE_COLORS: Record<string, string> = { executing: '#4caf50', cached: '#64b5f6', queued: '#9e9e9e' };

/**
 * A node of an exitgraph type: typed input and output sockets from its definition, a widget per
 * param (and per unlinked input whose port type takes literals), params stored by name in
 * `properties.params`, and what the last run did (state, progress, time, MACs, exit, images).
 */
export class ExitgraphNode extends LGraphNode {
  definition!: NodeDescription;
  hooks!: NodeHooks;
  runState: NodeRunState = idleState();
  /** Param (or literal input) name -> its widget, its schema and every widget it shows (the upload button too). */
  readonly fields = new Map<string, { widget: IBaseWidget; schema: ParamSchema; widgets: IBaseWidget[] }>();
  /** Every widget in the order the definition gives, shown or not. */
  #allWidgets: IBaseWidget[] = [];
  /** Params whose change shows or hides others (`x-visible-when` / `x-hidden-when`). */
  #controlling = new Set<string>();

  get params(): Record<string, unknown> {
    const properties = this.properties as { params?: Record<string, unknown> };
    return (properties.params ??= {});
  }

  /** Called once from the generated constructor. */
  setup(definition: NodeDescription, hooks: NodeHooks): void {
    this.definition = definition;
    this.hooks = hooks;
    this.serialize_widgets = false;
    this.properties = { params: {}, version: definition.version };
    for (const [name, spec] of Object.entries(definition.inputs)) {
      this.addInput(name, spec.type, spec.optional ? { label: `${name}?` } : {});
    }
    for (const [name, spec] of Object.entries(definition.outputs)) this.addOutput(name, spec.type);

    const required = new Set(definition.params.required ?? []);
    for (const [name, schema] of Object.entries(definition.params.properties)) {
      const value = initialValue(schema);
      if (value !== undefined && (required.has(name) || 'default' in schema || schema.type !== 'string')) this.params[name] = value;
      this.#addField(name, schema, value);
    }
    // Inputs whose port type takes a typed-in value get a widget too, used while unlinked.
    for (const [name, spec] of Object.entries(definition.inputs)) {
      const schema = literalSchema(spec.type, hooks.ports);
      if (!schema) continue;
      if (!spec.optional) this.params[name] = initialValue(schema);
      this.#addField(name, schema, this.params[name]);
    }
    this.#allWidgets = [...(this.widgets ?? [])];
    this.#controlling = controllingParams(definition.params.properties);
    this.#applyVisibility();
    this.badges = [() => this.#badge()];
    this.strokeStyles.phase = () => {
      const color = PHASE_COLORS[this.runState.phase];
      return color ? { color, lineWidth: 2, padding: 6 } : undefined;
    };
    this.setSize(this.computeSize());
    this.size[0] = Math.max(this.size[0], 240);
  }

  #addField(name: string, schema: ParamSchema, value: unknown): void {
    if (schema['x-widget'] === 'label-map-painter') {
      const widget = this.addWidget('button', 'paint label map…', '', () => this.hooks.openPainter(this, name), {});
      widget.tooltip = schema.description ?? name;
      this.fields.set(name, { widget, schema, widgets: [widget] });
      return;
    }
    const widget = addParamWidget(this, name, schema, value, (v) => this.setParam(name, v), () => this.params[name]);
    const field = { widget, schema, widgets: [widget] };
    this.fields.set(name, field);
    if (schema['x-widget'] === 'image-file') {
      const upload = this.addWidget('button', 'upload image…', '', async () => {
        const uploaded = await this.hooks.uploadImage();
        if (uploaded !== undefined) {
          widget.value = uploaded;
          this.setParam(name, uploaded);
        }
      }, {});
      field.widgets.push(upload);
    }
  }

  /**
   * Shows the widgets of the params whose display conditions hold and removes the others from the
   * node (litegraph 0.17 lays out hidden widgets too, leaving gaps). Returns whether any changed.
   */
  #applyVisibility(): boolean {
    const hidden = new Set<IBaseWidget>();
    const properties = this.definition.params.properties;
    for (const [name, field] of this.fields) {
      if (properties[name] && !isParamShown(field.schema, this.params, properties)) for (const widget of field.widgets) hidden.add(widget);
    }
    const shown = this.#allWidgets.filter((widget) => !hidden.has(widget));
    const current = this.widgets ?? [];
    if (shown.length === current.length && shown.every((widget, i) => widget === current[i])) return false;
    this.widgets = shown;
    return true;
  }

  /** After params shown or hidden: the node's minimum size changes; extra height the user gave it (an image area) stays. */
  #refitAfterVisibility(): void {
    const before = this.computeSize();
    if (!this.#applyVisibility()) return;
    const after = this.computeSize();
    const slack = Math.max(0, this.size[1] - before[1]);
    this.setSize([Math.max(this.size[0], after[0]), after[1] + slack]);
  }

  setParam(name: string, value: unknown): void {
    this.params[name] = value;
    if (this.#controlling.has(name)) this.#refitAfterVisibility();
    this.clearError();
    this.setDirtyCanvas(true, true);
    this.hooks.changed();
    this.hooks.paramChanged(this, name);
  }

  /** After loading a workflow: widgets show the stored params. */
  override onConfigure(_info: ISerialisedNode): void {
    // The saved size was made for the saved params' widgets, which this shows.
    this.#applyVisibility();
    this.showParams();
    // Workflows written elsewhere (e.g. converted from an API prompt) may be sized too small.
    const min = this.computeSize();
    if (this.size[0] < min[0] || this.size[1] < min[1]) this.setSize([Math.max(this.size[0], min[0]), Math.max(this.size[1], min[1])]);
  }

  /** Widgets show the values in `properties.params`. */
  showParams(): void {
    this.#refitAfterVisibility();
    for (const [name, field] of this.fields) {
      if (name in this.params && field.widget.type !== 'button') showValue(field.widget, field.schema, this.params[name]);
    }
    this.#syncLinkedFields();
    this.setDirtyCanvas(true, true);
  }

  override onConnectionsChange(): void {
    this.#syncLinkedFields();
  }

  /** A linked input's widget is greyed out: the link wins over the typed-in value. */
  #syncLinkedFields(): void {
    for (const input of this.inputs ?? []) {
      const field = this.fields.get(input.name);
      if (field) field.widget.disabled = input.link != null;
    }
  }

  setRunState(patch: Partial<NodeRunState>): void {
    this.runState = { ...this.runState, ...patch };
    // litegraph draws a progress bar while `progress` is set.
    const progress = this.runState.phase === 'executing' ? this.runState.progress : undefined;
    if (progress === undefined) delete this.progress;
    else this.progress = progress;
    this.has_errors = this.runState.phase === 'error';
    // Room for the HUD below the widgets (and the image below it, when there is one).
    const wanted = this.#contentTop() + (this.runState.images.length ? 120 : 4);
    if (this.runState.hud && this.size[1] < wanted) this.setSize([this.size[0], wanted]);
    this.setDirtyCanvas(true, true);
  }

  /** The HUD's lines, empty for nodes without early-exit figures. */
  hudLines(): string[] {
    return this.runState.hud ? hudLines(this.runState.hud) : [];
  }

  clearError(): void {
    if (this.runState.phase === 'error') this.setRunState({ phase: 'idle', error: undefined });
  }

  /** Shows an image on the node (grows the node to fit a preview). */
  showImages(images: HTMLImageElement[]): void {
    this.setRunState({ images });
    const first = images[0];
    if (!first) return;
    const wanted = this.#contentTop() + Math.min(320, Math.max(120, first.naturalHeight * (this.size[0] / Math.max(1, first.naturalWidth)))) + 10;
    if (this.size[1] < wanted) this.setSize([this.size[0], wanted]);
  }

  #badge(): LGraphBadge {
    const s = this.runState;
    const parts: string[] = [];
    if (s.phase === 'cached') parts.push('cached');
    if (s.ms !== undefined && s.phase !== 'cached') parts.push(formatMs(s.ms));
    if (s.macs !== undefined) parts.push(`${formatCount(s.macs)}MAC`);
    if (s.exit !== undefined) parts.push(s.exit);
    if (s.saved !== undefined) parts.push(`saved ${Math.round(s.saved * 100)}%`);
    const bg = s.phase === 'error' ? '#b71c1c' : s.phase === 'cached' ? '#1e5a8a' : '#2e3b2e';
    return new LGraphBadge({ text: parts.join(' · '), bgColor: bg, fgColor: '#fff' });
  }

  /** Where the widgets end (and the HUD starts), in node coordinates. */
  #widgetsBottom(): number {
    const slots = Math.max(this.inputs?.length ?? 0, this.outputs?.length ?? 0) * LiteGraph.NODE_SLOT_HEIGHT + 8;
    const widgets = (this.widgets ?? []).reduce((bottom, w) => Math.max(bottom, (w.y ?? 0) + LiteGraph.NODE_WIDGET_HEIGHT + 4), 0);
    return Math.max(slots, widgets);
  }

  /** Where the HUD ends and the image area starts, in node coordinates. */
  #contentTop(): number {
    return this.#widgetsBottom() + this.#hudRows().length * HUD_LINE;
  }

  #measure: CanvasRenderingContext2D | null | undefined;

  /** The HUD's lines wrapped to the node's width, each with whether it is the promise. */
  #hudRows(): { text: string; promise: boolean }[] {
    const lines = this.hudLines();
    if (!lines.length) return [];
    this.#measure ??= document.createElement('canvas').getContext('2d');
    if (!this.#measure) return lines.map((text) => ({ text, promise: false }));
    this.#measure.font = HUD_FONT;
    const hasPromise = !!this.runState.hud?.promise;
    return lines.flatMap((line, i) => wrap(this.#measure!, line, this.size[0] - 14).map((text) => ({ text, promise: hasPromise && i === lines.length - 1 })));
  }

  #drawHud(ctx: CanvasRenderingContext2D): void {
    const rows = this.#hudRows();
    if (!rows.length) return;
    const top = this.#widgetsBottom();
    ctx.save();
    ctx.fillStyle = 'rgba(0, 0, 0, 0.35)';
    ctx.fillRect(4, top, this.size[0] - 8, rows.length * HUD_LINE + 2);
    ctx.font = HUD_FONT;
    rows.forEach((row, i) => {
      ctx.fillStyle = i === 0 ? '#a5d6a7' : row.promise ? '#ffe082' : '#e0e0e0';
      ctx.fillText(fitted(ctx, row.text, this.size[0] - 14), 8, top + (i + 1) * HUD_LINE - 3);
    });
    ctx.restore();
  }

  /** Double-click on the image area opens the viewer on this node's images (the one shown first). */
  override onDblClick(_e: unknown, pos: [number, number]): void {
    const images = this.runState.images.filter((img) => img.complete && img.naturalWidth > 0);
    if (images.length && pos[1] >= this.#contentTop()) this.hooks.viewImages(this, images.length - 1);
  }

  override onDrawBackground(ctx: CanvasRenderingContext2D): void {
    if (this.flags.collapsed) return;
    this.#drawHud(ctx);
    const top = this.#contentTop();
    const images = this.runState.images.filter((img) => img.complete && img.naturalWidth > 0);
    if (images.length) {
      const areaW = this.size[0] - 10;
      const areaH = this.size[1] - top - 6;
      if (areaH > 10) {
        const img = images[images.length - 1]!;
        const scale = Math.min(areaW / img.naturalWidth, areaH / img.naturalHeight);
        const w = img.naturalWidth * scale;
        const h = img.naturalHeight * scale;
        ctx.imageSmoothingEnabled = scale < 1;
        ctx.drawImage(img, (this.size[0] - w) / 2, top + (areaH - h) / 2, w, h);
      }
    }
  }

  override onDrawForeground(ctx: CanvasRenderingContext2D): void {
    const error = this.runState.error;
    if (!error || this.flags.collapsed) return;
    ctx.save();
    ctx.font = '12px sans-serif';
    ctx.fillStyle = '#ff8a80';
    const lines = wrap(ctx, error, this.size[0]);
    lines.slice(0, 6).forEach((line, i) => ctx.fillText(line, 0, this.size[1] + 16 + i * 14));
    ctx.restore();
  }
}

/** A widget schema for a literal-taking port type (NUMBER, INT, STRING, BOOLEAN). */
function literalSchema(type: string, ports: ReadonlyMap<string, PortDescription>): ParamSchema | undefined {
  if (!ports.get(type)?.literal) return undefined;
  switch (type) {
    case 'INT':
      return { type: 'integer', default: 0 };
    case 'NUMBER':
      return { type: 'number', default: 0 };
    case 'BOOLEAN':
      return { type: 'boolean', default: false };
    case 'STRING':
      return { type: 'string', default: '' };
    default:
      return { type: 'string', default: '' };
  }
}

/** The text, cut with an ellipsis to fit `width`. */
function fitted(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const next = line ? `${line} ${word}` : word;
      if (ctx.measureText(next).width > width && line) {
        lines.push(line);
        line = word;
      } else {
        line = next;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** Registers one litegraph node type per exitgraph definition. */
export function registerNodeTypes(definitions: readonly NodeDescription[], hooks: NodeHooks): void {
  for (const definition of definitions) {
    const type = class extends ExitgraphNode {
      static override title = definition.title;
      constructor(title: string) {
        super(title);
        this.setup(definition, hooks);
      }
    };
    LiteGraph.registerNodeType(definition.id, type);
    (type as { category?: string }).category = definition.category;
  }
}
