import { LGraphBadge, LGraphNode, LiteGraph } from '@comfyorg/litegraph';
import type { ISerialisedNode } from '@comfyorg/litegraph/dist/types/serialisation';
import type { IBaseWidget } from '@comfyorg/litegraph/dist/types/widgets';
import type { JsonSchema, NodeDef, PortDef } from './api.js';
import { addParamWidget, initialValue, showValue } from './param-widgets.js';
import { formatCount, formatMs, idleState, type NodeRunState } from './run-state.js';

/** What nodes need from the editor around them. */
export interface NodeHooks {
  readonly ports: ReadonlyMap<string, PortDef>;
  /** Opens the label-map painter for a param holding a painted map. */
  openPainter(node: ExitgraphNode, param: string): void;
  /** Lets the user pick an image file, uploads it, and returns its name in the input folder. */
  uploadImage(): Promise<string | undefined>;
  /** Called when the graph changes (params edited). */
  changed(): void;
}

const PHASE_COLORS: Record<string, string> = { executing: '#4caf50', cached: '#64b5f6', queued: '#9e9e9e' };

/**
 * A node of an exitgraph type: typed input and output sockets from its definition, a widget per
 * param (and per unlinked input whose port type takes literals), params stored by name in
 * `properties.params`, and what the last run did (state, progress, time, MACs, exit, images).
 */
export class ExitgraphNode extends LGraphNode {
  definition!: NodeDef;
  hooks!: NodeHooks;
  runState: NodeRunState = idleState();
  /** Param (or literal input) name -> its widget and schema. */
  readonly fields = new Map<string, { widget: IBaseWidget; schema: JsonSchema }>();

  get params(): Record<string, unknown> {
    const properties = this.properties as { params?: Record<string, unknown> };
    return (properties.params ??= {});
  }

  /** Called once from the generated constructor. */
  setup(definition: NodeDef, hooks: NodeHooks): void {
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
    this.badges = [() => this.#badge()];
    this.strokeStyles.phase = () => {
      const color = PHASE_COLORS[this.runState.phase];
      return color ? { color, lineWidth: 2, padding: 6 } : undefined;
    };
    this.setSize(this.computeSize());
    this.size[0] = Math.max(this.size[0], 240);
  }

  #addField(name: string, schema: JsonSchema, value: unknown): void {
    if (schema['x-widget'] === 'label-map-painter') {
      const widget = this.addWidget('button', 'paint label map…', '', () => this.hooks.openPainter(this, name), {});
      widget.tooltip = schema.description ?? name;
      this.fields.set(name, { widget, schema });
      return;
    }
    const widget = addParamWidget(this, name, schema, value, (v) => this.setParam(name, v));
    this.fields.set(name, { widget, schema });
    if (schema['x-widget'] === 'image-file') {
      this.addWidget('button', 'upload image…', '', async () => {
        const uploaded = await this.hooks.uploadImage();
        if (uploaded !== undefined) {
          widget.value = uploaded;
          this.setParam(name, uploaded);
        }
      }, {});
    }
  }

  setParam(name: string, value: unknown): void {
    this.params[name] = value;
    this.clearError();
    this.setDirtyCanvas(true, true);
    this.hooks.changed();
  }

  /** After loading a workflow: widgets show the stored params. */
  override onConfigure(_info: ISerialisedNode): void {
    this.showParams();
    // Workflows written elsewhere (e.g. converted from an API prompt) may be sized too small.
    const min = this.computeSize();
    if (this.size[0] < min[0] || this.size[1] < min[1]) this.setSize([Math.max(this.size[0], min[0]), Math.max(this.size[1], min[1])]);
  }

  /** Widgets show the values in `properties.params`. */
  showParams(): void {
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
    const { phase, progress } = this.runState;
    // litegraph draws a progress bar while the node has one.
    if (phase === 'executing' && progress !== undefined) this.progress = progress;
    else delete this.progress;
    this.has_errors = this.runState.phase === 'error';
    this.setDirtyCanvas(true, true);
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
    if (s.exit !== undefined) parts.push(`exit ${s.exit}`);
    if (s.saved !== undefined) parts.push(`saved ${Math.round(s.saved * 100)}%`);
    const bg = s.phase === 'error' ? '#b71c1c' : s.phase === 'cached' ? '#1e5a8a' : '#2e3b2e';
    return new LGraphBadge({ text: parts.join(' · '), bgColor: bg, fgColor: '#fff' });
  }

  /** Where the widgets end and the image area starts, in node coordinates. */
  #contentTop(): number {
    const slots = Math.max(this.inputs?.length ?? 0, this.outputs?.length ?? 0) * LiteGraph.NODE_SLOT_HEIGHT + 8;
    const widgets = (this.widgets ?? []).reduce((bottom, w) => Math.max(bottom, (w.y ?? 0) + LiteGraph.NODE_WIDGET_HEIGHT + 4), 0);
    return Math.max(slots, widgets);
  }

  override onDrawBackground(ctx: CanvasRenderingContext2D): void {
    if (this.flags.collapsed) return;
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
function literalSchema(type: string, ports: ReadonlyMap<string, PortDef>): JsonSchema | undefined {
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
export function registerNodeTypes(definitions: readonly NodeDef[], hooks: NodeHooks): void {
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
