import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { LabelMap } from '../../kernel/image/image.js';
import { decodeLabelMap, resizeLabelMapNearest } from '../../kernel/image/label-map-io.js';
import type { LoadedPack } from '../packs/load-pack.js';
import type { PackSplit } from './pack-split.js';

/**
 * A folder of label-map PNGs as an evaluation split: greyscale ids or palette PNGs (read as the
 * Load Label Map node reads them), in file-name order, each resized to the pack's input size by
 * nearest neighbour and translated by class name into the pack's class ids. A map without a
 * tEXt "classes" chunk is taken to use the pack's own ids.
 */
export async function readInputFolder(pack: LoadedPack, folder: string, limit?: number): Promise<PackSplit> {
  const { input, name: packName } = pack.manifest;
  if (input.kind !== 'label_map') throw new Error(`pack ${packName} takes ${input.kind} inputs; --inputs reads label-map PNGs`);
  const dir = resolve(folder);
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`input folder ${folder}: ${error.code === 'ENOENT' ? 'no such folder' : error.message}`);
  });
  const files = entries.filter((f) => /\.png$/i.test(f)).sort().slice(0, limit ?? Number.POSITIVE_INFINITY);
  if (!files.length) throw new Error(`input folder ${folder} holds no .png label maps`);
  const labels: LabelMap[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const map = await decodeLabelMap(await readFile(path), path, []);
    labels.push(resizeLabelMapNearest(toPackClasses(map, input.classes, packName, path), input.width, input.height));
  }
  return { name: basename(dir), inputs: labels, labels, files };
}

/** The map's ids as the pack's class ids: by name when the map names its classes. */
function toPackClasses(map: LabelMap, classes: readonly string[], packName: string, path: string): LabelMap {
  const own = map.classes.length ? map.classes : classes;
  const translate = own.map((name) => classes.indexOf(name));
  const unknown = own.filter((_, i) => translate[i]! < 0);
  if (unknown.length) throw new Error(`${path}: classes ${unknown.map((c) => `"${c}"`).join(', ')} are not classes of pack ${packName} (${classes.join(', ')})`);
  const ids = new Uint8Array(map.ids.length);
  for (let p = 0; p < ids.length; p++) {
    const target = translate[map.ids[p]!];
    if (target === undefined) {
      throw new Error(`${path}: class id ${map.ids[p]} at pixel (${p % map.width}, ${Math.floor(p / map.width)}) is out of range: ${map.classes.length ? 'the map names' : `pack ${packName} has`} ${own.length} classes (0-${own.length - 1})`);
    }
    ids[p] = target;
  }
  return { width: map.width, height: map.height, ids, classes };
}
