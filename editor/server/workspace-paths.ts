import { mkdir, realpath } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { isInside, localWorkspace, type Workspace } from '../../sdk/index.js';
import { HttpError } from './http-error.js';

/** The folders a served workspace holds. `/view` and uploads name them by `type`. */
export const FILE_TYPES = ['input', 'output', 'temp'] as const;
export type FileType = (typeof FILE_TYPES)[number];

/**
 * The server's workspace: `input/` (uploads, files nodes read), `output/` (what output nodes
 * write), `temp/`, and `workflows/` (saved editor workflows). Every path a request names is
 * resolved here and refused when it would leave its folder, symbolic links included.
 */
export class ServerWorkspace {
  readonly root: string;
  readonly input: string;
  readonly output: string;
  readonly temp: string;
  readonly workflows: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.input = join(this.root, 'input');
    this.output = join(this.root, 'output');
    this.temp = join(this.root, 'temp');
    this.workflows = join(this.root, 'workflows');
  }

  async create(): Promise<void> {
    for (const dir of [this.input, this.output, this.temp, this.workflows]) await mkdir(dir, { recursive: true });
  }

  /** What nodes see: inputs and outputs confined to the workspace root. */
  engineWorkspace(): Workspace {
    return localWorkspace(this.input, this.output, { confined: this.root });
  }

  folderOf(type: unknown): string {
    const name = type === undefined || type === '' ? 'output' : type;
    if (typeof name !== 'string' || !(FILE_TYPES as readonly string[]).includes(name)) {
      throw new HttpError(400, `type must be one of ${FILE_TYPES.join(', ')}`, 'invalid_type');
    }
    return this[name as FileType];
  }

  /**
   * `type` folder + `subfolder` + `filename` -> absolute path, refusing anything that escapes the
   * folder (`..`, absolute paths, NUL bytes). Does not check that the file exists.
   */
  resolveFile(type: unknown, subfolder: unknown, filename: unknown): string {
    const folder = this.folderOf(type);
    const name = checkedName(filename, 'filename');
    const sub = subfolder === undefined ? '' : subfolder;
    if (typeof sub !== 'string' || sub.includes('\0')) throw new HttpError(400, 'subfolder must be a string', 'invalid_path');
    const full = resolve(folder, sub, name);
    if (!isInside(folder, full) || full === folder) throw new HttpError(403, 'path is outside the workspace', 'forbidden_path');
    return full;
  }

  /**
   * Creates `dir` (and parents) for a file about to be written, refusing when an existing part of
   * it is a link that leads out of the workspace.
   */
  async makeFolderInside(dir: string): Promise<void> {
    let existing = dir;
    while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
    await this.realFileInside(existing);
    await mkdir(dir, { recursive: true });
    await this.realFileInside(dir);
  }

  /** Resolves symbolic links and checks the real file is still inside the workspace. */
  async realFileInside(path: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new HttpError(404, 'file not found', 'not_found');
      throw error;
    }
    if (!isInside(await realpath(this.root), real)) throw new HttpError(403, 'path is outside the workspace', 'forbidden_path');
    return real;
  }
}

/** A single path component: no separators, not `.` or `..`, printable. */
export function checkedName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new HttpError(400, `${what} is required`, 'invalid_path');
  if (value.length > 255 || value.includes('\0') || /[\\/]/.test(value) || value === '.' || value === '..' || basename(value) !== value || value.includes(sep)) {
    throw new HttpError(403, `${what} must be a plain file name inside the workspace`, 'forbidden_path');
  }
  return value;
}
