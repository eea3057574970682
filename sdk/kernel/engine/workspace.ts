import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, open, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Workspace } from '../node/node-context.js';

export interface WorkspaceOptions {
  /** Every path must stay inside this folder (the server's workspace). */
  readonly confined?: string;
  /**
   * Further folders a relative input path is looked up in when it does not exist under
   * `inputDir` (the CLI adds the graph file's folder, so self-contained graph folders run from
   * anywhere).
   */
  readonly fallbackInputDirs?: readonly string[];
}

/**
 * A workspace for local use (CLI): relative inputs resolve against `inputDir` (then the fallback
 * folders), absolute paths are allowed, outputs go to `outputDir`. With `confined`, as the server
 * uses it, every path must stay inside the workspace root, and symbolic links are checked when a
 * file is opened: a link that leads out of the root is refused, whatever it pointed to when the
 * path was first resolved. Outputs never leave `outputDir` (or the root), links included, and
 * never write through a link at the file's own name. Errors name paths as the graph gave them,
 * never the server's absolute paths.
 */
export function localWorkspace(inputDir: string, outputDir = resolve(inputDir, 'output'), options: WorkspaceOptions = {}): Workspace {
  const root = options.confined ? resolve(options.confined) : undefined;
  const outputLimit = root ?? resolve(outputDir);
  const inside = (base: string, path: string, what: string): string => {
    const full = resolve(base, path);
    const limit = root ?? (what === 'output' ? outputLimit : undefined);
    if (limit && !isInside(limit, full)) throw new Error(`${what} path "${path}" is outside the workspace`);
    return full;
  };
  const resolveInput = (path: string): string => {
    if (path.includes('\0')) throw new Error(`input path "${path.replace(/\0/g, '\\0')}" contains a NUL byte`);
    const first = inside(inputDir, path, 'input');
    if (isAbsolute(path) || existsSync(first)) return first;
    for (const dir of options.fallbackInputDirs ?? []) {
      const candidate = inside(dir, path, 'input');
      if (existsSync(candidate)) return candidate;
    }
    return first;
  };
  const resolveOutput = (path: string): string => {
    if (path.includes('\0')) throw new Error(`output path "${path.replace(/\0/g, '\\0')}" contains a NUL byte`);
    return inside(outputDir, path, 'output');
  };
  return {
    inputDir: resolve(inputDir),
    outputDir: resolve(outputDir),
    resolveInput,
    resolveOutput,
    readInput: async (path) => {
      const full = resolveInput(path);
      const handle = await open(full, 'r').catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot read input "${path}": ${describeFsError(error)}`);
      });
      try {
        const opened = await handle.stat();
        if (!opened.isFile()) throw new Error(`cannot read input "${path}": not a file`);
        if (root) {
          // Checked on the file actually opened: its real path must be inside the root, and be the
          // same file (a link swapped in after the open is caught by the inode comparison).
          const real = await realpath(full);
          const now = await stat(real);
          if (!isInside(await realpath(root), real) || now.ino !== opened.ino || now.dev !== opened.dev) {
            throw new Error(`input path "${path}" leads outside the workspace (through a symbolic link)`);
          }
        }
        return await handle.readFile();
      } catch (error) {
        // Node's fs messages carry the absolute path: say it as the graph did.
        throw error instanceof Error && 'code' in error ? new Error(`cannot read input "${path}": ${describeFsError(error as NodeJS.ErrnoException)}`) : error;
      } finally {
        await handle.close();
      }
    },
    writeOutput: async (path, bytes, writeOptions = {}) => {
      const full = resolveOutput(path);
      const limit = await realpath(outputLimit).catch(async () => {
        await mkdir(outputLimit, { recursive: true });
        return realpath(outputLimit);
      });
      await folderInside(outputLimit, limit, dirname(full), path);
      // Written beside the target, then renamed over it: a link at the target's name is replaced,
      // never written through.
      const temp = join(dirname(full), `.${basename(full)}.${randomUUID()}.partial`);
      const failed = (error: unknown): Error =>
        error instanceof Error && !('code' in error) ? error : new Error(`cannot write output "${path}": ${describeFsError(error as NodeJS.ErrnoException)}`);
      await writeFile(temp, bytes, { flag: 'wx' }).catch((error: unknown) => {
        throw failed(error);
      });
      try {
        await folderInside(outputLimit, limit, dirname(full), path);
        if (!writeOptions.exclusive) await rename(temp, full);
        else if (!(await claim(temp, full))) throw new OutputExistsError(path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error instanceof OutputExistsError ? error : failed(error);
      }
      await rm(temp, { force: true });
      return full;
    },
  };
}

/** An exclusive output write found its name taken. */
export class OutputExistsError extends Error {
  constructor(readonly path: string) {
    super(`output "${path}" exists already`);
    this.name = 'OutputExistsError';
  }
}

/**
 * Puts the complete file `temp` under `target` unless `target` exists (false then). A hard link
 * fails when the name exists, so concurrent writers (other nodes, prompts, processes) never
 * share a name; where the file system has no hard links, the name is claimed by creating it
 * exclusively, then `temp` is renamed over the claim.
 */
async function claim(temp: string, target: string): Promise<boolean> {
  try {
    await link(temp, target);
    await unlink(temp);
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

/**
 * Creates `dir` under `limit` one folder at a time, checking each existing or new folder's real
 * path: a link in the way that leads out of `limitReal` is refused before anything is created
 * through it.
 */
async function folderInside(limit: string, limitReal: string, dir: string, shown: string): Promise<void> {
  const parts = relative(limit, dir).split(sep).filter(Boolean);
  let current = limit;
  for (const part of parts) {
    current = join(current, part);
    await mkdir(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw new Error(`cannot create the folder of output "${shown}": ${describeFsError(error)}`);
    });
    const real = await realpath(current).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot create the folder of output "${shown}": ${describeFsError(error)}`);
    });
    if (!isInside(limitReal, real)) throw new Error(`output path "${shown}" leads outside the workspace (through a symbolic link)`);
    if (!(await stat(real)).isDirectory()) throw new Error(`output path "${shown}": ${relative(limit, current)} is not a folder`);
  }
}

/** An fs error without the absolute path Node puts in its message. */
export function describeFsError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return error.code ?? 'unreadable';
  }
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
