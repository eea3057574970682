import '@comfyorg/litegraph/style.css';
import { LGraph, LGraphCanvas, LiteGraph, type LGraphNode } from '@comfyorg/litegraph';
import { api, ApiError, type Catalog, type NodeDef, type PromptRejection } from './api.js';
import { byId, dropdown, el, toast } from './dom.js';
import { ExecutionTracker } from './execution.js';
import { ExitgraphNode, registerNodeTypes, type NodeHooks } from './exitgraph-node.js';
import { colourPreview, decodeLabelPng, openPainter } from './label-painter.js';
import { installLinkRules } from './link-rules.js';
import { buildPalette } from './palette.js';
import { download, pickFile, readGraphFile } from './workflow-files.js';

/**
 * The editor: a litegraph canvas whose node types come from the server's /api/nodes, a palette,
 * a toolbar (queue, interrupt, examples, saved workflows, files), and live run state over /ws.
 */
async function start(): Promise<void> {
  const catalog = await api.catalog();
  installLinkRules(catalog.ports);
  LiteGraph.release_link_on_empty_shows_menu = false;
  LiteGraph.alwaysSnapToGrid = false;

  const graph = new LGraph();
  const canvasElement = byId<HTMLCanvasElement>('graph-canvas');
  const canvas = new LGraphCanvas(canvasElement, graph);
  canvas.background_image = '';
  canvas.show_info = false;
  canvas.render_canvas_border = false;
  let currentName = 'untitled';

  const hooks: NodeHooks = {
    ports: new Map(catalog.ports.map((p) => [p.name, p])),
    openPainter: (node, param) => void paint(node, param),
    uploadImage: async () => {
      const file = await pickFile('image/*');
      if (!file) return undefined;
      const saved = await api.upload(file, file.name);
      return saved.subfolder ? `${saved.subfolder}/${saved.name}` : saved.name;
    },
    changed: () => graph.setDirtyCanvas(true, true),
  };
  registerNodeTypes(catalog.nodes, hooks);

  const tracker = new ExecutionTracker(() => graph, {
    status: (text) => (byId('status').textContent = text),
    finished: (_id, outcome, message) => {
      if (outcome === 'error') toast(message ?? 'the run failed', 'error');
      else if (outcome === 'interrupted') toast('run interrupted');
    },
  });
  tracker.connect();

  const resize = () => {
    const box = canvasElement.parentElement!.getBoundingClientRect();
    canvasElement.width = Math.floor(box.width);
    canvasElement.height = Math.floor(box.height);
    canvas.setDirty(true, true);
  };
  new ResizeObserver(resize).observe(canvasElement.parentElement!);
  resize();

  let added = 0;
  const addNode = (definition: NodeDef): LGraphNode | undefined => {
    const node = LiteGraph.createNode(definition.id);
    if (!node) return undefined;
    const centre: [number, number] = [0, 0];
    canvas.ds.convertCanvasToOffset([canvasElement.width / 2, canvasElement.height / 2], centre);
    const [x, y] = centre;
    const shift = (added++ % 6) * 30;
    node.pos = [x - node.size[0] / 2 + shift, y - node.size[1] / 2 + shift];
    graph.add(node);
    canvas.selectNode(node);
    return node;
  };
  const palette = buildPalette(byId('palette'), catalog.nodes, (d) => void addNode(d));

  async function paint(node: ExitgraphNode, param: string): Promise<void> {
    const p = node.params;
    await openPainter({
      width: Number(p.width ?? 128),
      height: Number(p.height ?? 128),
      classes: Array.isArray(p.classes) ? (p.classes as string[]) : ['class 0'],
      map: typeof p[param] === 'string' ? (p[param] as string) : '',
      apply: (dataUrl, preview) => {
        node.setParam(param, dataUrl);
        showThumbnail(node, preview);
      },
    });
  }

  function showThumbnail(node: ExitgraphNode, url: string): void {
    const img = new Image();
    img.onload = () => node.showImages([img]);
    img.src = url;
  }

  /** Painted label maps show their painting as soon as a workflow loads. */
  async function refreshThumbnails(): Promise<void> {
    for (const node of graph.nodes) {
      if (!(node instanceof ExitgraphNode)) continue;
      for (const [name, field] of node.fields) {
        const map = node.params[name];
        if (field.schema['x-widget'] !== 'label-map-painter' || typeof map !== 'string' || !map) continue;
        const width = Number(node.params.width ?? 128);
        const height = Number(node.params.height ?? 128);
        showThumbnail(node, colourPreview({ width, height, ids: await decodeLabelPng(map, width, height) }));
      }
    }
  }

  function load(workflow: unknown, name: string): void {
    graph.clear();
    graph.configure(workflow as Parameters<LGraph['configure']>[0]);
    const unknown = graph.nodes.filter((n) => !(n instanceof ExitgraphNode)).map((n) => n.type);
    if (unknown.length) toast(`unknown node types (not installed here): ${[...new Set(unknown)].join(', ')}`, 'error');
    currentName = name;
    document.title = `${name} — exitgraph`;
    byId('workflow-name').textContent = name;
    void refreshThumbnails();
    fitView();
  }

  /** Zooms and pans so every node (and its badges) is in view, never zooming in past 100%. */
  function fitView(): void {
    if (!graph.nodes.length) return;
    let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const node of graph.nodes) {
      x0 = Math.min(x0, node.pos[0]);
      y0 = Math.min(y0, node.pos[1] - LiteGraph.NODE_TITLE_HEIGHT - 24);
      x1 = Math.max(x1, node.pos[0] + node.size[0]);
      y1 = Math.max(y1, node.pos[1] + node.size[1]);
    }
    const margin = 40;
    const scale = Math.min(1, (canvasElement.width - 2 * margin) / (x1 - x0), (canvasElement.height - 2 * margin) / (y1 - y0));
    canvas.ds.scale = Math.max(canvas.ds.min_scale, scale);
    canvas.ds.offset = [canvasElement.width / (2 * canvas.ds.scale) - (x0 + x1) / 2, canvasElement.height / (2 * canvas.ds.scale) - (y0 + y1) / 2];
    canvas.setDirty(true, true);
  }

  const serialize = () => graph.serialize();

  async function queue(): Promise<void> {
    try {
      tracker.queued();
      const { prompt_id } = await api.queuePrompt(serialize(), tracker.clientId);
      byId('status').dataset.lastPrompt = prompt_id;
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && (error.body as PromptRejection)?.node_errors) {
        const rejection = error.body as PromptRejection;
        tracker.rejected(rejection);
        const count = Object.keys(rejection.node_errors).length;
        toast(count ? `the graph cannot run: ${count} node${count === 1 ? ' has' : 's have'} errors (shown on the nodes)` : rejection.error.message + (rejection.error.details ? `: ${rejection.error.details}` : ''), 'error');
      } else {
        tracker.rejected({ error: { type: '', message: '', details: '' }, node_errors: {} });
        toast((error as Error).message, 'error');
      }
    }
  }

  // Toolbar
  byId('queue-button').onclick = () => void queue();
  byId('interrupt-button').onclick = () => void api.interrupt().catch((e: Error) => toast(e.message, 'error'));
  byId('new-button').onclick = () => load({ nodes: [], links: [], groups: [], version: 0.4, last_node_id: 0, last_link_id: 0 }, 'untitled');
  byId('save-button').onclick = async () => {
    const name = prompt('Save workflow as', currentName);
    if (!name) return;
    try {
      await api.saveWorkflow(name, serialize());
      currentName = name;
      byId('workflow-name').textContent = name;
      toast(`saved "${name}"`);
    } catch (error) {
      toast((error as Error).message, 'error');
    }
  };
  byId('download-button').onclick = () => download(serialize(), `${currentName}.json`);
  byId('open-button').onclick = async () => {
    const file = await pickFile('.json,.png,application/json,image/png');
    if (file) await openFile(file);
  };
  dropdown(byId('examples-button'), async () =>
    (await api.examples()).examples.map((e) => ({ label: e.title, ...(e.description ? { title: e.description } : {}), run: () => void api.example(e.name).then((wf) => load(wf, e.name), (err: Error) => toast(err.message, 'error')) })),
  );
  dropdown(byId('workflows-button'), async () =>
    (await api.workflows()).workflows.map((w) => ({ label: w.name, title: `saved ${w.modified}`, run: () => void api.loadWorkflow(w.name).then((wf) => load(wf, w.name), (err: Error) => toast(err.message, 'error')) })),
  );

  async function openFile(file: File): Promise<void> {
    try {
      const read = await readGraphFile(file);
      if (read.kind === 'graph') {
        load(read.workflow, file.name.replace(/\.(json|png)$/i, ''));
        return;
      }
      // A plain image: upload it and give it a Load Image node.
      const saved = await api.upload(read.file, read.file.name);
      const loader = catalog.nodes.find((d) => Object.values(d.params.properties).some((s) => s['x-widget'] === 'image-file'));
      const node = loader ? addNode(loader) : undefined;
      if (node instanceof ExitgraphNode) {
        const param = Object.entries(loader!.params.properties).find(([, s]) => s['x-widget'] === 'image-file')![0];
        const value = saved.subfolder ? `${saved.subfolder}/${saved.name}` : saved.name;
        node.setParam(param, value);
        node.showParams();
      }
      toast(`uploaded ${saved.name}`);
    } catch (error) {
      toast((error as Error).message, 'error');
    }
  }

  // Drop a workflow (.json) or an output PNG anywhere to open its graph.
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files[0];
    if (file) void openFile(file);
  });
  document.addEventListener('keydown', (e) => {
    const typing = (e.target as HTMLElement)?.closest?.('input, textarea, .graphdialog');
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      void queue();
    } else if (e.key === '/' && !typing) {
      e.preventDefault();
      palette.focus();
    }
  });

  if (catalog.nodes.length === 0) toast('the server has no node types', 'error');
  exposeForTests({ graph, canvas, catalog, load, queue, serialize, addNode, tracker });
}

/** Handles for scripts and end-to-end tests (`window.exitgraph`). */
function exposeForTests(handles: { graph: LGraph; canvas: LGraphCanvas; catalog: Catalog; load: (wf: unknown, name: string) => void; queue: () => Promise<void>; serialize: () => unknown; addNode: (d: NodeDef) => LGraphNode | undefined; tracker: ExecutionTracker }): void {
  (window as unknown as { exitgraph: unknown }).exitgraph = { ...handles, ready: true };
  document.body.dataset.ready = 'true';
}

start().catch((error: Error) => {
  document.body.append(el('pre', { className: 'fatal' }, `exitgraph editor failed to start: ${error.message}`));
  console.error(error);
});
