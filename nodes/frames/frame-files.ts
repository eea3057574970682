/** Reading frames for Load Frames: a folder of still images sorted by name, or the pages of an animated GIF/WebP. */
import { readdir, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { checkPixels, decodeImage, imageFromBytes, type Image, type Workspace } from '../../sdk/index.js';

/** Frame file extensions a folder is read for. */
export const FRAME_FILE = /\.(png|jpe?g|webp)$/i;

/** `frame_2.png` before `frame_10.png`: names compared with their numbers as numbers. */
const byName = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

export type FrameSource =
  | { readonly kind: 'folder'; readonly path: string; readonly names: readonly string[] }
  | { readonly kind: 'animated'; readonly path: string; readonly bytes: Uint8Array; readonly pages: number; readonly width: number; readonly height: number };

/** Finds what `path` (relative to the input folder) holds: a folder's frame files in name order, or an image's pages. */
export async function openFrameSource(workspace: Workspace, path: string): Promise<FrameSource> {
  const absolute = workspace.resolveInput(path);
  const info = await stat(absolute).catch(() => {
    throw new Error(`cannot read frames ${path}: no such folder or file`);
  });
  if (info.isDirectory()) {
    const names = (await readdir(absolute)).filter((name) => FRAME_FILE.test(name)).sort(byName.compare);
    if (!names.length) throw new Error(`folder ${path} has no frames (PNG, JPEG or WebP files)`);
    return { kind: 'folder', path, names };
  }
  const bytes = await workspace.readInput(path);
  const meta = await sharp(bytes, { animated: true, limitInputPixels: false })
    .metadata()
    .catch((error: Error) => {
      throw new Error(`${path} could not be read as an image: ${error.message}`);
    });
  const pages = meta.pages ?? 1;
  const height = meta.pageHeight ?? meta.height ?? 0;
  checkPixels(meta.width ?? 0, height, path);
  return { kind: 'animated', path, bytes, pages, width: meta.width ?? 0, height };
}

/** Frame `index` of the source, decoded now (nothing else of the sequence is held). */
export async function readFrame(workspace: Workspace, source: FrameSource, index: number): Promise<{ name: string; image: Image }> {
  if (source.kind === 'folder') {
    const name = source.names[index]!;
    const file = `${source.path.replace(/\/+$/, '')}/${name}`;
    return { name, image: await decodeImage(await workspace.readInput(file), name) };
  }
  const name = `${source.path}#${index}`;
  const { data, info } = await sharp(source.bytes, { page: index, pages: 1 })
    .ensureAlpha()
    .removeAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: Error) => {
      throw new Error(`${name} could not be decoded: ${error.message}`);
    });
  return { name, image: imageFromBytes(data, info.width, info.height, 3) };
}
