import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, basename, relative } from 'node:path';
import { asciiJson, encodePng, type Image, type NodeContext } from '../../sdk/index.js';

/** Where a written file sits, in the shape ComfyUI clients read from `executed` messages. */
export interface SavedFile {
  readonly filename: string;
  readonly subfolder: string;
  readonly type: 'output';
}

/**
 * Writes `<prefix>_00001_.png` (next free counter, as ComfyUI names outputs) under the
 * workspace's output folder, embedding the running graph as tEXt `prompt` and `workflow`.
 */
export async function saveWithGraph(ctx: NodeContext, image: Image, prefix: string): Promise<SavedFile> {
  const target = ctx.workspace.resolveOutput(`${prefix}_00000_.png`);
  const folder = dirname(target);
  const stem = basename(prefix);
  const taken = existsSync(folder) ? await readdir(folder) : [];
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d{5})_\\.png$`);
  const last = Math.max(0, ...taken.map((name) => Number(pattern.exec(name)?.[1] ?? 0)));
  const filename = `${stem}_${String(last + 1).padStart(5, '0')}_.png`;
  const text: Record<string, string> = { prompt: asciiJson(ctx.graph.prompt) };
  if (ctx.graph.workflow !== undefined) text.workflow = asciiJson(ctx.graph.workflow);
  // Through the workspace: folders that are links leading out of it are refused.
  await ctx.workspace.writeOutput(relative(ctx.workspace.outputDir, `${folder}/${filename}`), await encodePng(image, text));
  const subfolder = relative(ctx.workspace.outputDir, folder);
  return { filename, subfolder, type: 'output' };
}
