import type { NodeCatalog, Workflow } from '../../sdk/kernel/browser.js';

/** The editor's client for the server's HTTP API (same origin; the token, if any, is a cookie). */

export interface SavedImage {
  filename: string;
  subfolder: string;
  type: string;
}

/** A 400 from `POST /prompt`: ComfyUI's `node_errors`. */
export interface PromptRejection {
  error: { type: string; message: string; details: string };
  node_errors: Record<string, { errors: { type: string; message: string; details: string }[]; class_type: string }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, { ...init, headers: { ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}), ...init.headers } });
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message = (body as { error?: { message?: string } })?.error?.message ?? `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, body);
  }
  return body as T;
}

const json = (value: unknown): RequestInit => ({ body: JSON.stringify(value) });

export const api = {
  catalog: () => request<NodeCatalog>('/api/nodes'),
  /** The workflow also travels in `extra_data.extra_pnginfo` (as ComfyUI's client sends it), so /history can give it back. */
  queuePrompt: (workflow: unknown, clientId: string) => request<{ prompt_id: string; number: number }>('/prompt', { method: 'POST', ...json({ prompt: workflow, client_id: clientId, extra_data: { extra_pnginfo: { workflow } } }) }),
  interrupt: () => request<{ interrupted: boolean }>('/interrupt', { method: 'POST', ...json({}) }),
  /** Interrupts prompt `promptId` only if it is the one running. */
  interruptPrompt: (promptId: string) => request<{ interrupted: boolean }>('/interrupt', { method: 'POST', ...json({ prompt_id: promptId }) }),
  queue: () => request<{ queue_running: unknown[][]; queue_pending: unknown[][] }>('/queue'),
  clearQueue: () => request('/queue', { method: 'POST', ...json({ clear: true }) }),
  deleteFromQueue: (ids: string[]) => request('/queue', { method: 'POST', ...json({ delete: ids }) }),
  history: (maxItems: number) => request<Record<string, unknown>>(`/history?max_items=${maxItems}`),
  workflows: () => request<{ workflows: { name: string; modified: string }[] }>('/api/workflows'),
  loadWorkflow: (name: string) => request<unknown>(`/api/workflows/${encodeURIComponent(name)}`),
  saveWorkflow: (name: string, workflow: unknown) => request(`/api/workflows/${encodeURIComponent(name)}`, { method: 'PUT', ...json(workflow) }),
  deleteWorkflow: (name: string) => request(`/api/workflows/${encodeURIComponent(name)}`, { method: 'DELETE' }),
  examples: () => request<{ examples: { name: string; title: string; description?: string }[] }>('/api/examples'),
  example: (name: string) => request<unknown>(`/api/examples/${encodeURIComponent(name)}`),
  /** Any graph (API prompt, ComfyUI envelope) as an editor workflow. */
  toWorkflow: (graph: unknown) => request<Workflow>('/api/graph/workflow', { method: 'POST', ...json(graph) }),
  upload: (file: Blob, name: string) => {
    const form = new FormData();
    form.set('image', file, name);
    return request<{ name: string; subfolder: string; type: string }>('/upload/image', { method: 'POST', body: form });
  },
  viewUrl: (image: SavedImage) => `/view?${new URLSearchParams({ filename: image.filename, subfolder: image.subfolder ?? '', type: image.type ?? 'output' })}`,
};
