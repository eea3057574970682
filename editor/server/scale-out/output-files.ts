import { link, mkdir, readdir, rm, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';

/** A file an output node reported (`{ filename, subfolder, type: 'output' }` in its ui). */
interface OutputRef {
  filename: string;
  subfolder: string;
  type: 'output';
}

function isOutputRef(value: unknown): value is OutputRef {
  const ref = value as Partial<OutputRef> | null;
  return typeof ref === 'object' && ref !== null && ref.type === 'output' && typeof ref.filename === 'string' && typeof ref.subfolder === 'string';
}

/** Every output file a ui payload, message or history entry names. */
export function outputRefs(value: unknown, found: OutputRef[] = []): OutputRef[] {
  if (isOutputRef(value)) found.push(value);
  else if (Array.isArray(value)) for (const item of value) outputRefs(item, found);
  else if (typeof value === 'object' && value !== null) for (const item of Object.values(value)) outputRefs(item, found);
  return found;
}

const keyOf = (ref: Pick<OutputRef, 'filename' | 'subfolder'>) => `${ref.subfolder}\u0000${ref.filename}`;

/** A deep copy of `value` with output file names replaced as `renamed` says. */
export function withRenamedOutputs<T>(value: T, renamed: ReadonlyMap<string, string>): T {
  const walk = (item: unknown): unknown => {
    if (isOutputRef(item)) return { ...item, filename: renamed.get(keyOf(item)) ?? item.filename };
    if (Array.isArray(item)) return item.map(walk);
    if (typeof item === 'object' && item !== null) return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, walk(v)]));
    return item;
  };
  return walk(value) as T;
}

/** ComfyUI's numbered names: `<stem>_00001_.png`. */
const NUMBERED = /^(.*)_(\d{5})_(\.[\w]+)$/;

/**
 * Moves the files one attempt wrote (in its private folder) into the shared output folder.
 * Each file gets the next free name there, claimed with `link`, which fails when the name is
 * taken, so two workers saving `blend_*` at once never overwrite each other; readers of the
 * output folder only ever see complete files. Returns old name -> new name (per subfolder) and
 * the final paths (to remove them again if the attempt turns out to be a duplicate).
 */
export async function publishOutputs(refs: readonly OutputRef[], attemptDir: string, outputDir: string): Promise<{ renamed: Map<string, string>; paths: string[] }> {
  const renamed = new Map<string, string>();
  const paths: string[] = [];
  for (const ref of refs) {
    const key = keyOf(ref);
    if (renamed.has(key)) continue;
    const source = join(attemptDir, ref.subfolder, ref.filename);
    if (!existsSync(source)) continue;
    const folder = join(outputDir, ref.subfolder);
    await mkdir(folder, { recursive: true });
    const name = await claimName(source, folder, ref.filename);
    renamed.set(key, name);
    paths.push(join(folder, name));
    await unlink(source);
  }
  return { renamed, paths };
}

async function claimName(source: string, folder: string, filename: string): Promise<string> {
  const numbered = NUMBERED.exec(filename);
  const stem = numbered ? numbered[1]! : filename.slice(0, filename.length - extname(filename).length);
  const ext = numbered ? numbered[3]! : extname(filename);
  const nameAt = (n: number) => (numbered ? `${stem}_${String(n).padStart(5, '0')}_${ext}` : n === 0 ? filename : `${stem}-${n}${ext}`);
  let n = numbered ? 1 + highestNumber(await readdir(folder), stem, ext) : 0;
  for (;;) {
    try {
      await link(source, join(folder, nameAt(n)));
      return nameAt(n);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      n += 1;
    }
  }
}

function highestNumber(names: readonly string[], stem: string, ext: string): number {
  let highest = 0;
  for (const name of names) {
    const match = NUMBERED.exec(name);
    if (match && match[1] === stem && match[3] === ext) highest = Math.max(highest, Number(match[2]));
  }
  return highest;
}

/** Removes files published by an attempt that lost the race to end its prompt. */
export async function removeFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
}
