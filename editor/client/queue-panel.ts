import { api, type SavedImage } from './api.js';
import { el, toast } from './dom.js';

/** What the panel needs from the editor: the running prompt's progress, and reopening a graph. */
export interface QueuePanelHooks {
  /** 0..1 for the prompt running from this page, undefined when unknown. */
  progress(promptId: string): number | undefined;
  /** Shows a past prompt's graph (its editor workflow when it carried one, else its API prompt). */
  reopen(graph: { workflow?: unknown; prompt: unknown }, name: string): void;
}

type Row = [number, string, unknown, Record<string, unknown>, string[]];
interface HistoryItem {
  prompt: Row;
  outputs: Record<string, { images?: SavedImage[] }>;
  status?: { status_str?: string; messages?: [string, Record<string, unknown>][] };
}

const POLL_MS = 700;

/**
 * The queue and history panel (ComfyUI's queue sidebar): the running prompt with its progress,
 * pending prompts each with Cancel, and finished ones newest first with their output thumbnails
 * and an Open button that brings their graph back. Refreshed from /queue and /history while open.
 */
export function installQueuePanel(toggle: HTMLElement, hooks: QueuePanelHooks): { refresh(): Promise<void> } {
  const panel = el('aside', { id: 'queue-panel', 'aria-label': 'Queue and history' });
  panel.hidden = true;
  document.body.append(panel);
  let timer: ReturnType<typeof setInterval> | undefined;
  let shown = '';
  const refresh = async () => {
    try {
      const [queue, history] = await Promise.all([api.queue(), api.history(30)]);
      const running = queue.queue_running as Row[];
      // Re-render only when something changed, so a button is not replaced under the pointer.
      const seen = JSON.stringify([running.map((r) => [r[1], hooks.progress(r[1])]), queue.queue_pending.map((r) => r[1]), Object.keys(history), Object.values(history).map((h) => (h as HistoryItem).status?.status_str)]);
      if (seen === shown) return;
      shown = seen;
      render(panel, running, queue.queue_pending as Row[], history as Record<string, HistoryItem>, hooks, refresh);
    } catch (error) {
      shown = '';
      panel.replaceChildren(el('p', { className: 'queue-empty' }, `could not read the queue: ${(error as Error).message}`));
    }
  };
  toggle.onclick = () => {
    panel.hidden = !panel.hidden;
    toggle.classList.toggle('selected', !panel.hidden);
    clearInterval(timer);
    if (!panel.hidden) {
      void refresh();
      timer = setInterval(() => void refresh(), POLL_MS);
    }
  };
  return { refresh };
}

function render(panel: HTMLElement, running: Row[], pending: Row[], history: Record<string, HistoryItem>, hooks: QueuePanelHooks, refresh: () => Promise<void>): void {
  const section = (title: string, items: HTMLElement[], empty: string) =>
    el('section', { className: 'queue-section' }, el('h3', {}, `${title} (${items.length})`), ...(items.length ? items : [el('p', { className: 'queue-empty' }, empty)]));

  const runningItems = running.map(([number, id]) => {
    const bar = el('progress', { className: 'queue-progress' });
    const fraction = hooks.progress(id);
    if (fraction !== undefined) bar.value = fraction;
    return el('div', { className: 'queue-item running', 'data-prompt-id': id }, el('span', {}, `#${number} running`), bar);
  });
  const pendingItems = [...pending]
    .sort((a, b) => a[0] - b[0])
    .map(([number, id]) => {
      const cancel = el('button', { className: 'queue-cancel', title: 'Remove this prompt from the queue' }, 'Cancel');
      cancel.onclick = async () => {
        cancel.disabled = true;
        try {
          await api.deleteFromQueue([id]);
        } catch (error) {
          toast((error as Error).message, 'error');
        }
        await refresh();
      };
      return el('div', { className: 'queue-item pending', 'data-prompt-id': id }, el('span', {}, `#${number} pending`), cancel);
    });
  const doneItems = Object.entries(history)
    .reverse()
    .map(([id, item]) => {
      const [number, , prompt, extra] = item.prompt;
      const ok = item.status?.status_str !== 'error';
      const removed = item.status?.messages?.some(([kind]) => kind === 'execution_interrupted' || kind === 'execution_deleted');
      const thumbs = Object.values(item.outputs ?? {})
        .flatMap((output) => output.images ?? [])
        .slice(0, 4)
        .map((image) => el('img', { className: 'queue-thumb', src: api.viewUrl(image), alt: image.filename, loading: 'lazy' }));
      const open = el('button', { className: 'queue-open', title: "Open this prompt's graph" }, 'Open');
      const workflow = (extra?.extra_pnginfo as { workflow?: unknown } | undefined)?.workflow;
      open.onclick = () => hooks.reopen({ ...(workflow ? { workflow } : {}), prompt }, `prompt #${number}`);
      return el(
        'div',
        { className: `queue-item done ${ok ? 'ok' : 'failed'}`, 'data-prompt-id': id },
        el('div', { className: 'queue-line' }, el('span', {}, `#${number} ${removed ? 'cancelled' : ok ? 'done' : 'failed'}`), open),
        el('div', { className: 'queue-thumbs' }, ...thumbs),
      );
    });
  panel.replaceChildren(section('Running', runningItems, 'nothing running'), section('Pending', pendingItems, 'nothing pending'), section('History', doneItems, 'no finished prompts'));
}
