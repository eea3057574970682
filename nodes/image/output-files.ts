import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { asciiJson, encodePng, type Image, type NodeContext } from '../../sdk/index.js';

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
  await mkdir(folder, { recursive: true });
  const filename = await writeNumbered(folder, stem, png);
  return { filename, subfolder: relative(ctx.workspace.outputDir, folder), type: 'output' };
}

/**
 * Writes `bytes` as `<stem>_<n>_.png` in `folder` with the first free `n` above the highest one
 * there, and returns the name. The bytes go to a temporary file first (flushed to disk), which
 * is then hard-linked under its final name: linking fails when the name exists, so concurrent
 * writers (other nodes, prompts, processes, or a server restarted on the same folder) never get
 * the same name, and a crash never leaves a half-written PNG under a final name. Where the file
 * system has no hard links, the name is claimed by creating it exclusively, then the temporary
 * file is renamed over the claim.
 */
export async function writeNumbered(folder: string, stem: string, bytes: Uint8Array): Promise<string> {
  const temp = join(folder, `.${stem}.${randomUUID()}.partial`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    let n = (await highestCounter(folder, stem)) + 1;
    for (;;) {
      const filename = `${stem}_${String(n).padStart(5, '0')}_.png`;
      if (await claim(temp, join(folder, filename))) return filename;
      n += 1;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Puts `temp` under `target` unless `target` exists; false when it does. */
async function claim(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  }
  try {
    await (await open(target, 'wx')).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await rename(temp, target);
  return true;
}

async function highestCounter(folder: string, stem: string): Promise<number> {
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d{5,})_\\.png$`);
  let highest = 0;
  for (const name of await readdir(folder)) {
    const n = Number(pattern.exec(name)?.[1] ?? 0);
    if (n > highest) highest = n;
  }
  return highest;
}
