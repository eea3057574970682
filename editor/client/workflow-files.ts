import { isPng, isWorkflow, readPngText, type Workflow } from '../../sdk/kernel/browser.js';
import { api } from './api.js';

/** Any graph JSON (workflow, API prompt, ComfyUI envelope) as a workflow; the server converts. */
export async function asWorkflow(json: unknown): Promise<Workflow> {
  return isWorkflow(json) ? json : api.toWorkflow(json);
}

export type DroppedFile = { kind: 'graph'; workflow: Workflow } | { kind: 'image'; file: File };

/**
 * What a dropped or opened file holds: a graph (a .json file, or a PNG with an embedded
 * `workflow`, else `prompt`, as exitgraph and ComfyUI write them), or a plain image.
 */
export async function readGraphFile(file: File): Promise<DroppedFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (isPng(bytes)) {
    const text = readPngText(bytes, file.name);
    const embedded = text.workflow ?? text.prompt;
    if (embedded !== undefined) return { kind: 'graph', workflow: await asWorkflow(JSON.parse(embedded)) };
    return { kind: 'image', file };
  }
  if (file.type.startsWith('image/')) return { kind: 'image', file };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new Error(`${file.name} is neither a graph (.json) nor an image: ${(error as Error).message}`);
  }
  return { kind: 'graph', workflow: await asWorkflow(json) };
}

export function download(json: unknown, filename: string): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Opens the browser's file picker. */
export function pickFile(accept: string): Promise<File | undefined> {
  return new Promise((done) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.accept = accept;
    input.onchange = () => done(input.files?.[0]);
    input.addEventListener('cancel', () => done(undefined));
    input.click();
  });
}
