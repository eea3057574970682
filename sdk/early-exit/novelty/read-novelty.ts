import { readFile } from 'node:fs/promises';
import type { LoadedPack } from '../packs/load-pack.js';
import { NoveltyReference } from './novelty-reference.js';

/** The pack's novelty reference, or undefined when it ships no novelty maps (or takes images). */
export async function readNoveltyReference(pack: LoadedPack): Promise<NoveltyReference | undefined> {
  const spec = pack.manifest.novelty;
  const input = pack.manifest.input;
  if (!spec || input.kind !== 'label_map' || !input.classes) return undefined;
  const maps = await readFile(pack.path(spec.file));
  try {
    return NoveltyReference.fromMaps(new Uint8Array(maps.buffer, maps.byteOffset, maps.byteLength), spec.count, input.classes.length);
  } catch (error) {
    throw new Error(`pack ${pack.manifest.name}: ${spec.file}: ${(error as Error).message}`);
  }
}
