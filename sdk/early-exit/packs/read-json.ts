/** Reading one JSON file of a pack, reporting a missing or malformed file as a problem. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackProblemLog } from './pack-problems.js';

/** The parsed file, or undefined after logging why it could not be read (`field` names it in the manifest). */
export async function readPackJson(dir: string, file: string, field: string, log: PackProblemLog): Promise<{ value: unknown } | undefined> {
  try {
    return { value: JSON.parse(await readFile(join(dir, file), 'utf8')) as unknown };
  } catch (e) {
    log.error(file, field, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not valid JSON: ${(e as Error).message}`);
    return undefined;
  }
}
