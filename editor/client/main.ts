import '@comfyorg/litegraph/style.css';
import { api } from './api.js';
import { byId, dropdown, el, toast } from './dom.js';
import { Editor } from './editor.js';
import { bindInterruptButton } from './interrupt-button.js';
import { buildPalette } from './palette.js';
import { installQueuePanel } from './queue-panel.js';
import { pickFile } from './workflow-files.js';

/**
 * The editor page: the canvas with node types from the server's /api/nodes, a palette, a
 * toolbar (queue, interrupt, examples, saved workflows, files), drops and shortcuts.
 */
async function start(): Promise<void> {
  const catalog = await api.catalog();
  const editor = new Editor(catalog, byId<HTMLCanvasElement>('graph-canvas'));
  const palette = buildPalette(byId('palette'), catalog.nodes, (definition) => void editor.addNode(definition));
  bindToolbar(editor);
  installQueuePanel(byId('history-button'), { progress: (id) => editor.progressOf(id), reopen: (graph, name) => void editor.reopen(graph, name) });
  bindMenus(editor);
  bindDropAndShortcuts(editor, palette);
  if (catalog.nodes.length === 0) toast('the server has no node types', 'error');
  exposeForTests(editor);
}

function bindToolbar(editor: Editor): void {
  byId('queue-button').onclick = () => void editor.queue();
  bindInterruptButton(byId<HTMLButtonElement>('interrupt-button'), editor.tracker);
  byId('new-button').onclick = () => void editor.clear();
  byId('save-button').onclick = () => void editor.save();
  byId('download-button').onclick = () => editor.download();
  byId('open-button').onclick = async () => {
    const file = await pickFile('.json,.png,application/json,image/png');
    if (file) await editor.openFile(file);
  };
}

/** The examples and saved-workflows dropdowns, listed from the server each time they open. */
function bindMenus(editor: Editor): void {
  const open = (fetchWorkflow: () => Promise<unknown>, name: string) => () =>
    void fetchWorkflow().then(
      (workflow) => editor.load(workflow, name),
      (error: Error) => toast(error.message, 'error'),
    );
  dropdown(byId('examples-button'), async () =>
    (await api.examples()).examples.map((e) => ({ label: e.title, ...(e.description ? { title: e.description } : {}), run: open(() => api.example(e.name), e.name) })),
  );
  dropdown(byId('workflows-button'), async () =>
    (await api.workflows()).workflows.map((w) => ({ label: w.name, title: `saved ${w.modified}`, run: open(() => api.loadWorkflow(w.name), w.name) })),
  );
}

/** Drop a workflow (.json) or an output PNG anywhere to open its graph; Ctrl+Enter queues, Ctrl+Z / Ctrl+Shift+Z undo and redo, / searches. */
function bindDropAndShortcuts(editor: Editor, palette: { focus(): void }): void {
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    const file = e.dataTransfer?.files[0];
    if (file) void editor.openFile(file);
  });
  document.addEventListener('keydown', (e) => {
    const typing = (e.target as HTMLElement)?.closest?.('input, textarea, .graphdialog');
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
      e.preventDefault();
      void editor.queue();
    } else if ((e.ctrlKey || e.metaKey) && !typing && (e.key === 'z' || e.key === 'Z' || e.key === 'y')) {
      // Ctrl+Z undoes; Ctrl+Shift+Z (or Ctrl+Y) redoes.
      e.preventDefault();
      if (e.key === 'y' || e.shiftKey) editor.redo();
      else editor.undo();
    } else if (e.key === '/' && !typing) {
      e.preventDefault();
      palette.focus();
    }
  });
}

/** Handles for scripts and end-to-end tests (`window.exitgraph`). */
function exposeForTests(editor: Editor): void {
  const handles = {
    graph: editor.graph,
    canvas: editor.canvas,
    catalog: editor.catalog,
    tracker: editor.tracker,
    load: editor.load.bind(editor),
    queue: editor.queue.bind(editor),
    serialize: editor.serialize.bind(editor),
    addNode: editor.addNode.bind(editor),
    undo: editor.undo.bind(editor),
    redo: editor.redo.bind(editor),
    /** The open painter's live painting (its timings), if any. */
    live: () => editor.live,
  };
  (window as unknown as { exitgraph: unknown }).exitgraph = { ...handles, ready: true };
  document.body.dataset.ready = 'true';
}

start().catch((error: Error) => {
  document.body.append(el('pre', { className: 'fatal' }, `exitgraph editor failed to start: ${error.message}`));
  console.error(error);
});
