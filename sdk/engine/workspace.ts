import { isAbsolute, relative, resolve } from 'node:path';
import type { Workspace } from '../node/node-context.js';

/**
 * A workspace for local use (CLI): relative inputs resolve against `inputDir`, absolute paths are
 * allowed, outputs go to `outputDir`. With `confined`, as the server uses it, every path must stay
 * inside the workspace root.
 */
export function localWorkspace(inputDir: string, outputDir = resolve(inputDir, 'output'), options: { confined?: string } = {}): Workspace {
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
    resolveInput: (path) => inside(inputDir, path, 'input'),
    resolveOutput: (path) => inside(outputDir, path, 'output'),
  };
}

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
