import { readdir } from 'node:fs/promises';
import { basename, dirname, relative } from 'node:path';
import { OutputExistsError, asciiJson, encodePng, type Image, type NodeContext, type Workspace } from '../../sdk/index.js';

/** Where a written file sits, in the shape ComfyUI clients read from `executed` messages. */
export interface SavedFile {
  readonly filename: string;
  readonly subfolder: string;
  readonly type: 'output';
}

const COUNTER_SUFFIX = '_00000_.png';

/**
 * Writes `<prefix>_00001_.png` (next free counter, as ComfyUI names outputs) under the
 * workspace's output folder, embedding the running graph as tEXt `prompt` and `workflow`.
 * Never overwrites a file: see `writeNumbered`.
 */
export async function saveWithGraph(ctx: NodeContext, image: Image, prefix: string): Promise<SavedFile> {
  const probe = ctx.workspace.resolveOutput(`${prefix}${COUNTER_SUFFIX}`);
  const folder = dirname(probe);
  const stem = basename(probe).slice(0, -COUNTER_SUFFIX.length);
  const text: Record<string, string> = { prompt: asciiJson(ctx.graph.prompt) };
  if (ctx.graph.workflow !== undefined) text.workflow = asciiJson(ctx.graph.workflow);
  const png = await encodePng(image, text);
  ctx.signal.throwIfAborted();
  const filename = await writeNumbered(ctx.workspace, folder, stem, png);
  return { filename, subfolder: relative(ctx.workspace.outputDir, folder), type: 'output' };
}

/**
 * Writes `bytes` as `<stem>_<n>_.png` in `folder` with the first free `n` above the highest one
 * there (a folder inside `workspace`'s output folder), and returns the name. The write goes through the workspace (folders that are links
 * leading out of it are refused) and claims its name exclusively: concurrent writers (other
 * nodes, prompts, processes, or a server restarted on the same folder) never get the same name,
 * and a crash never leaves a half-written PNG under a final name.
 */
export async function writeNumbered(workspace: Workspace, folder: string, stem: string, bytes: Uint8Array): Promise<string> {
  let n = (await highestCounter(folder, stem)) + 1;
  for (;;) {
    const filename = `${stem}_${String(n).padStart(5, '0')}_.png`;
    try {
      await workspace.writeOutput(relative(workspace.outputDir, `${folder}/${filename}`), bytes, { exclusive: true });
      return filename;
    } catch (error) {
      if (!(error instanceof OutputExistsError)) throw error;
      n += 1;
    }
  }
}

async function highestCounter(folder: string, stem: string): Promise<number> {
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d{5,})_\\.png$`);
  let highest = 0;
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    const n = Number(pattern.exec(name)?.[1] ?? 0);
    if (n > highest) highest = n;
  }
  return highest;
}
