import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
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
 * uses it, every path must stay inside the workspace root.
 */
export function localWorkspace(inputDir: string, outputDir = resolve(inputDir, 'output'), options: WorkspaceOptions = {}): Workspace {
  const root = options.confined ? resolve(options.confined) : undefined;
  const inside = (base: string, path: string, what: string): string => {
    const full = resolve(base, path);
    const limit = root ?? (what === 'output' ? resolve(outputDir) : undefined);
    if (limit && !isInside(limit, full)) throw new Error(`${what} path "${path}" is outside the workspace`);
    return full;
  };
  return {
    inputDir: resolve(inputDir),
    outputDir: resolve(outputDir),
    resolveInput: (path) => {
      const first = inside(inputDir, path, 'input');
      if (isAbsolute(path) || existsSync(first)) return first;
      for (const dir of options.fallbackInputDirs ?? []) {
        const candidate = inside(dir, path, 'input');
        if (existsSync(candidate)) return candidate;
      }
      return first;
    },
    resolveOutput: (path) => inside(outputDir, path, 'output'),
  };
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
