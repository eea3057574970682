import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | null | undefined;

/**
 * The exitgraph checkout or installed package: the nearest folder above this module whose
 * package.json is named "exitgraph". Walking up (rather than a fixed `../..`) finds it from the
 * source tree, from dist/ and from the CLI bundle in dist/cli/ alike. Undefined when there is none.
 */
export function findPackageRoot(): string | undefined {
  if (found !== undefined) return found ?? undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isExitgraphPackage(join(dir, 'package.json'))) return (found = dir);
    const parent = dirname(dir);
    if (parent === dir) {
      found = null;
      return undefined;
    }
    dir = parent;
  }
}

/** Root of the exitgraph package (see `findPackageRoot`); throws when this module is not inside one. */
export function packageRoot(): string {
  const root = findPackageRoot();
  if (!root) throw new Error(`no exitgraph package.json above ${fileURLToPath(import.meta.url)}`);
  return root;
}

function isExitgraphPackage(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'exitgraph';
  } catch {
    // An unreadable package.json is not ours; keep walking up.
    return false;
  }
}
