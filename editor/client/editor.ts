import { LGraph, LGraphCanvas, LiteGraph, type LGraphNode } from '@comfyorg/litegraph';
import type { NodeCatalog, NodeDescription } from '../../sdk/kernel/browser.js';
import { api, ApiError, type PromptRejection } from './api.js';
import { byId, confirmDialog, toast } from './dom.js';
import { ExecutionTracker } from './execution.js';
import { ExitgraphNode, registerNodeTypes, type NodeHooks } from './exitgraph-node.js';
import { GraphHistory } from './graph-history.js';
import { openImageViewer } from './image-viewer.js';
import { colourPreview, decodeLabelPng, openPainter } from './label-painter.js';
import { LivePaint, liveTarget } from './live-paint.js';
import { installLinkRules } from './link-rules.js';
import { markUnknownNodes, notInstalledMessage, showRefusal, unknownType } from './unknown-node.js';
import { installWidgetTooltips } from './widget-tooltips.js';
import { download, pickFile, readGraphFile } from './workflow-files.js';

const EMPTY_WORKFLOW = { nodes: [], links: [], groups: [], version: 0.4, last_node_id: 0, last_link_id: 0 };

/**
 * The editor's state and what its toolbar does: a litegraph canvas whose node types come from
 * the server's catalogue, the workflow shown (and its name), and live run state over /ws.
 */
export class Editor {
  readonly graph = new LGraph();
  readonly canvas: LGraphCanvas;
  readonly tracker: ExecutionTracker;
  #name = 'untitled';
  /** Nodes added from the palette so far: each lands a little lower right than the last. */
  #added = 0;
  /** Undo/redo over graph snapshots; sizes a run grows do not count as edits. */
  readonly history = new GraphHistory(100, withoutSizes);
  /** The history key when the graph was last loaded or saved: anything else is unsaved. */
  #savedKey: string | undefined;
  /** While a snapshot is being restored or a workflow loaded, changes are not recorded. */
  #restoring = false;
  /** Prompts queued by live painting: their interruptions (by the next stroke) are no news. */
  readonly #livePrompts = new Set<string>();
  /** The live painting of the open painter, if any. */
  live: LivePaint | undefined;

  constructor(
    readonly catalog: NodeCatalog,
    readonly canvasElement: HTMLCanvasElement,
  ) {
    installLinkRules(catalog.ports);
    LiteGraph.release_link_on_empty_shows_menu = false;
    LiteGraph.alwaysSnapToGrid = false;
    this.canvas = this.#createCanvas();
    installWidgetTooltips(this.canvas, canvasElement);
    registerNodeTypes(catalog.nodes, this.#nodeHooks());
    this.tracker = this.#followRuns();
    this.#fitCanvasToPanel();
    this.#recordEdits();
    this.#resetHistory();
  }

  /**
   * Records a snapshot after anything that may have edited the graph: a pointer or key released
   * (moves, links, deletions, menu picks) and every param change. Unchanged graphs add no step.
   */
  #recordEdits(): void {
    const later = () => setTimeout(() => this.checkpoint(), 0);
    document.addEventListener('pointerup', later, true);
    document.addEventListener('keyup', later, true);
  }

  /** Records the graph as it is now as an undo step, when it changed. */
  checkpoint(): void {
    if (this.#restoring) return;
    this.history.record(this.#snapshot());
  }

  #snapshot(): string {
    const { extra: _view, ...graph } = this.graph.serialize() as unknown as Record<string, unknown>;
    return JSON.stringify(graph);
  }

  #resetHistory(): void {
    const state = this.#snapshot();
    this.history.reset(state);
    this.#savedKey = this.history.currentKey;
  }

  /** Whether the graph differs from what was last loaded or saved. */
  get unsaved(): boolean {
    this.checkpoint();
    return this.history.currentKey !== this.#savedKey;
  }

  undo(): void {
    this.checkpoint();
    this.#restore(this.history.undo());
  }

  redo(): void {
    this.#restore(this.history.redo());
  }

  #restore(state: string | undefined): void {
    if (state === undefined) return;
    this.#restoring = true;
    try {
      this.graph.clear();
      this.graph.configure(JSON.parse(state) as Parameters<LGraph['configure']>[0]);
      markUnknownNodes(this.graph);
      void this.#refreshThumbnails();
      this.canvas.setDirty(true, true);
    } finally {
      this.#restoring = false;
    }
  }

  #createCanvas(): LGraphCanvas {
    const canvas = new LGraphCanvas(this.canvasElement, this.graph);
    canvas.background_image = '';
    canvas.show_info = false;
    canvas.render_canvas_border = false;
    return canvas;
  }

  #nodeHooks(): NodeHooks {
    return {
      ports: new Map(this.catalog.ports.map((p) => [p.name, p])),
      openPainter: (node, param) => void this.#paint(node, param),
      uploadImage: async () => {
        const file = await pickFile('image/*');
        if (!file) return undefined;
        return uploadedName(await api.upload(file, file.name));
      },
      changed: () => {
        this.graph.setDirtyCanvas(true, true);
        this.checkpoint();
      },
      paramChanged: (node, name) => {
        if (node.fields.get(name)?.schema['x-widget'] === 'image-file') showInputThumbnail(node, name);
      },
      viewImages: (node, index) => void openImageViewer(node.title, node.runState.images, index),
    };
  }

  #followRuns(): ExecutionTracker {
    const tracker = new ExecutionTracker(() => this.graph, {
      status: (text) => (byId('status').textContent = text),
      finished: (_id, outcome, message) => {
        if (outcome === 'error') toast(message ?? 'the run failed', 'error');
        else if (outcome === 'interrupted' && !this.#livePrompts.has(_id)) toast('run interrupted');
      },
    });
    tracker.connect();
    return tracker;
  }

  /** The canvas fills its panel, also when the window resizes. */
  #fitCanvasToPanel(): void {
    const panel = this.canvasElement.parentElement!;
    const resize = () => {
      const box = panel.getBoundingClientRect();
      this.canvasElement.width = Math.floor(box.width);
      this.canvasElement.height = Math.floor(box.height);
      this.canvas.setDirty(true, true);
    };
    new ResizeObserver(resize).observe(panel);
    resize();
  }

  /** Adds a node of this type in the middle of the view and selects it. */
  addNode(definition: NodeDescription): LGraphNode | undefined {
    const node = LiteGraph.createNode(definition.id);
    if (!node) return undefined;
    const [x = 0, y = 0] = this.canvas.ds.convertCanvasToOffset([this.canvasElement.width / 2, this.canvasElement.height / 2]);
    const shift = (this.#added++ % 6) * 30;
    node.pos = [x - node.size[0] / 2 + shift, y - node.size[1] / 2 + shift];
    this.graph.add(node);
    this.canvas.selectNode(node);
    this.checkpoint();
    return node;
  }

  /** Shows a workflow, named `name`, in place of the current one. */
  load(workflow: unknown, name: string): void {
    this.#restoring = true;
    try {
      this.graph.clear();
      this.graph.configure(workflow as Parameters<LGraph['configure']>[0]);
    } finally {
      this.#restoring = false;
    }
    const unknown = markUnknownNodes(this.graph);
    this.#resetHistory();
    if (unknown.length) toast(`not installed here: ${[...new Set(unknown)].map(notInstalledMessage).join('; ')}`, 'error');
    this.#setName(name);
    void this.#refreshThumbnails();
    this.#fitView();
  }

  /** New: an empty graph, after asking when that would discard unsaved changes. Resolves whether it cleared. */
  async clear(): Promise<boolean> {
    if (this.unsaved && !(await confirmDialog(`Discard the unsaved changes to "${this.#name}"?`, 'Discard'))) return false;
    this.load(EMPTY_WORKFLOW, 'untitled');
    return true;
  }

  serialize(): ReturnType<LGraph['serialize']> {
    return this.graph.serialize();
  }

  #setName(name: string): void {
    this.#name = name;
    document.title = `${name} — exitgraph`;
    byId('workflow-name').textContent = name;
  }

  /** Zooms and pans so every node (and its badges) is in view, never zooming in past 100%. */
  #fitView(): void {
    if (!this.graph.nodes.length) return;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const node of this.graph.nodes) {
      x0 = Math.min(x0, node.pos[0]);
      y0 = Math.min(y0, node.pos[1] - LiteGraph.NODE_TITLE_HEIGHT - 24);
      x1 = Math.max(x1, node.pos[0] + node.size[0]);
      y1 = Math.max(y1, node.pos[1] + node.size[1]);
    }
    const margin = 40;
    const { width, height } = this.canvasElement;
    const ds = this.canvas.ds;
    ds.scale = Math.max(ds.min_scale, Math.min(1, (width - 2 * margin) / (x1 - x0), (height - 2 * margin) / (y1 - y0)));
    ds.offset = [width / (2 * ds.scale) - (x0 + x1) / 2, height / (2 * ds.scale) - (y0 + y1) / 2];
    this.canvas.setDirty(true, true);
  }

  /** Share of this graph's nodes finished, while `promptId` (queued from this page, last) runs. */
  progressOf(promptId: string): number | undefined {
    if (byId('status').dataset.lastPrompt !== promptId) return undefined;
    const all = this.graph.nodes.filter((n): n is ExitgraphNode => n instanceof ExitgraphNode);
    if (!all.length) return undefined;
    const finished = all.filter((n) => n.runState.phase === 'done' || n.runState.phase === 'cached' || n.runState.phase === 'error').length;
    const partial = all.reduce((sum, n) => sum + (n.runState.phase === 'executing' ? (n.runState.progress ?? 0) : 0), 0);
    return (finished + partial) / all.length;
  }

  /** Shows a past prompt's graph: its editor workflow when it carried one, else its API prompt converted. */
  async reopen(graph: { workflow?: unknown; prompt: unknown }, name: string): Promise<void> {
    try {
      if (this.unsaved && !(await confirmDialog(`Discard the unsaved changes to "${this.#name}"?`, 'Discard'))) return;
      this.load(graph.workflow ?? (await api.toWorkflow(graph.prompt)), name);
    } catch (error) {
      toast((error as Error).message, 'error');
    }
  }

  /** Queues the graph; a refusal shows on the nodes it names and in a toast. */
  async queue(): Promise<void> {
    try {
      for (const node of this.graph.nodes) if (unknownType(node) !== undefined) showRefusal(node, undefined);
      this.tracker.queued();
      const { prompt_id } = await api.queuePrompt(this.serialize(), this.tracker.clientId);
      byId('status').dataset.lastPrompt = prompt_id;
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && (error.body as PromptRejection)?.node_errors) this.#showRejection(error.body as PromptRejection);
      else {
        this.tracker.rejected({ error: { type: '', message: '', details: '' }, node_errors: {} });
        toast((error as Error).message, 'error');
      }
    }
  }

  #showRejection(rejection: PromptRejection): void {
    this.tracker.rejected(rejection);
    // Nodes of types not installed here: the refusal under them, and by id and type in the toast.
    const missing: string[] = [];
    for (const node of this.graph.nodes) {
      const type = unknownType(node);
      if (type === undefined) continue;
      const entry = rejection.node_errors[String(node.id)];
      showRefusal(node, entry?.errors.map((e) => e.message).join('; '));
      if (entry) missing.push(`node #${node.id} (${type}): ${notInstalledMessage(type)}`);
    }
    const others = Object.keys(rejection.node_errors).length - missing.length;
    const rest = others ? `${others} node${others === 1 ? ' has' : 's have'} errors (shown on the nodes)` : '';
    toast(missing.length || others ? `the graph cannot run: ${[...missing, rest].filter(Boolean).join('; ')}` : rejection.error.message + (rejection.error.details ? `: ${rejection.error.details}` : ''), 'error');
  }

  /** Saves the workflow on the server under a name the user confirms. */
  async save(): Promise<void> {
    const name = prompt('Save workflow as', this.#name);
    if (!name) return;
    try {
      await api.saveWorkflow(name, this.serialize());
      this.#setName(name);
      this.#savedKey = this.history.currentKey;
      toast(`saved "${name}"`);
    } catch (error) {
      toast((error as Error).message, 'error');
    }
  }

  download(): void {
    download(this.serialize(), `${this.#name}.json`);
  }

  /** Opens a dropped or picked file: a graph (.json, or a PNG with one embedded) or an image to load. */
  async openFile(file: File): Promise<void> {
    try {
      const read = await readGraphFile(file);
      if (read.kind === 'graph') this.load(read.workflow, file.name.replace(/\.(json|png)$/i, ''));
      else await this.#addUploadedImage(read.file);
    } catch (error) {
      toast((error as Error).message, 'error');
    }
  }

  /** A plain image: upload it and give it a node whose param takes an image file (Load Image). */
  async #addUploadedImage(file: File): Promise<void> {
    const saved = await api.upload(file, file.name);
    const loader = this.catalog.nodes.find((d) => imageFileParam(d) !== undefined);
    const node = loader ? this.addNode(loader) : undefined;
    if (loader && node instanceof ExitgraphNode) {
      node.setParam(imageFileParam(loader)!, uploadedName(saved));
      node.showParams();
    }
    toast(`uploaded ${saved.name}`);
  }

  async #paint(node: ExitgraphNode, param: string): Promise<void> {
    const p = node.params;
    const before = p[param];
    const target = liveTarget(this.graph, node);
    const live = target ? new LivePaint({ graph: this.graph, tracker: this.tracker, serialize: () => this.serialize(), prompts: this.#livePrompts }, target) : undefined;
    this.live = live;
    const apply = (dataUrl: string, preview: string) => {
      node.setParam(param, dataUrl);
      showThumbnail(node, preview);
    };
    await openPainter({
      width: Number(p.width ?? 128),
      height: Number(p.height ?? 128),
      classes: paintedClasses(node),
      map: typeof before === 'string' ? before : '',
      apply,
      ...(live
        ? {
            // Each stroke is in the graph at once (an undo step), and runs it live.
            live: {
              pane: live.pane,
              stroke: (dataUrl, preview) => {
                apply(dataUrl, preview);
                live.stroke().catch((error: Error) => toast(`live run: ${error.message}`, 'error'));
              },
              close: () => live.close(),
            },
            cancel: () => {
              if (p[param] === before) return;
              node.setParam(param, before);
              // An empty painting has no thumbnail: drop the strokes'.
              if (!before) node.setRunState({ images: [] });
              void this.#refreshThumbnails();
            },
          }
        : {}),
    });
  }

  /** Painted label maps show their painting as soon as a workflow loads. */
  async #refreshThumbnails(): Promise<void> {
    for (const node of this.graph.nodes) {
      if (!(node instanceof ExitgraphNode)) continue;
      for (const [name, field] of node.fields) {
        if (field.schema['x-widget'] === 'image-file') showInputThumbnail(node, name);
        const map = node.params[name];
        if (field.schema['x-widget'] !== 'label-map-painter' || typeof map !== 'string' || !map) continue;
        const width = Number(node.params.width ?? 128);
        const height = Number(node.params.height ?? 128);
        showThumbnail(node, colourPreview({ width, height, ids: await decodeLabelPng(map, width, height), classes: paintedClasses(node) }));
      }
    }
  }
}

/**
 * A Load Image node shows the file it names (from the workspace's input folder, through /view).
 * A name that does not load (yet) shows nothing: the run says what is wrong with it.
 */
function showInputThumbnail(node: ExitgraphNode, param: string): void {
  const value = node.params[param];
  if (typeof value !== 'string' || !value) return void node.setRunState({ images: [] });
  const slash = value.lastIndexOf('/');
  const url = api.viewUrl({ filename: value.slice(slash + 1), subfolder: slash < 0 ? '' : value.slice(0, slash), type: 'input' });
  const img = new Image();
  img.onload = () => {
    // Only if the param still names this file (a later pick wins).
    if (node.params[param] === value) node.showImages([img]);
  };
  img.onerror = () => node.params[param] === value && node.setRunState({ images: [] });
  img.src = url;
}

function showThumbnail(node: ExitgraphNode, url: string): void {
  const img = new Image();
  img.onload = () => node.showImages([img]);
  img.src = url;
}

/** The param of a node type that names an image file in the input folder, if it has one. */
function imageFileParam(definition: NodeDescription): string | undefined {
  return Object.entries(definition.params.properties).find(([, schema]) => schema['x-widget'] === 'image-file')?.[0];
}

/** How a param names an uploaded file: relative to the input folder. */
function uploadedName(saved: { name: string; subfolder: string }): string {
  return saved.subfolder ? `${saved.subfolder}/${saved.name}` : saved.name;
}

/** A snapshot's undo key: node sizes left out (a run grows nodes to show images; that is no edit). */
function withoutSizes(state: string): string {
  return state.replace(/"size":\[[^\]]*\],?/g, '');
}

/** The class names a Painted Label Map node paints with. */
function paintedClasses(node: ExitgraphNode): string[] {
  const classes = node.params.classes;
  return Array.isArray(classes) ? classes.map(String) : ['class 0'];
}
