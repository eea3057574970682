/**
 * Finding a pack from what a user typed: a folder path, or a pack name looked up under the packs
 * folders (`--packs` / EXITGRAPH_PACKS, `./models/packs`, then the exitgraph checkout's own
 * `models/packs`, found from this file's location so it works from src and from dist).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findPackageRoot } from '../../kernel/host/package-root.js';

/** Folders searched for packs by name, most specific first. */
export function packSearchPaths(packsDir?: string): string[] {
  const paths = [packsDir, process.env.EXITGRAPH_PACKS, join(process.cwd(), 'models', 'packs')];
  const root = findPackageRoot();
  if (root) paths.push(join(root, 'models', 'packs'));
  return [...new Set(paths.filter((p): p is string => Boolean(p)).map((p) => resolve(p)))];
}

export class PackNotFoundError extends Error {
  constructor(
    readonly query: string,
    readonly searched: readonly string[],
  ) {
    super(`model pack "${query}" not found: not a folder with manifest.json, and no pack of that name in ${searched.join(', ') || '(no packs folders)'}`);
    this.name = 'PackNotFoundError';
  }
}

/** Resolves a pack folder path or a pack name to the pack's folder. */
export function resolvePackDir(pathOrName: string, options: { packsDir?: string } = {}): string {
  const asPath = resolve(pathOrName);
  if (existsSync(join(asPath, 'manifest.json'))) return asPath;
  const searched = packSearchPaths(options.packsDir);
  // A name is a single path segment; anything else was meant as a path.
  if (isPackName(pathOrName)) {
    for (const dir of searched) {
      const candidate = join(dir, pathOrName);
      if (existsSync(join(candidate, 'manifest.json'))) return candidate;
    }
  }
  // A folder that exists but lacks a manifest: let the loader say "manifest.json: file not found".
  if (existsSync(asPath)) return asPath;
  throw new PackNotFoundError(pathOrName, searched);
}

/** A pack name: one lower-case folder name (letters, digits, `.`, `_`, `-`), never a path. */
export function isPackName(value: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,99}$/.test(value);
}

/** Names of the packs (folders with a manifest.json) in the packs folders, sorted. */
export function availablePacks(searched: readonly string[]): string[] {
  const names = new Set<string>();
  for (const dir of searched) {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of entries) if (isPackName(name) && existsSync(join(dir, name, 'manifest.json'))) names.add(name);
  }
  return [...names].sort();
}

/**
 * Resolves a pack *name* (never a path) to its folder under the packs folders: what a graph from
 * a client may name. Errors say which names exist, not which folders were searched, so they
 * reveal nothing about the server's files.
 */
export function resolvePackName(name: string, options: { packsDir?: string } = {}): string {
  if (!isPackName(name)) {
    throw new Error(`pack "${name.slice(0, 100)}" is not a pack name: give the name of a pack in the packs folders (lower-case letters, digits, ".", "_", "-"); folder paths are not accepted here`);
  }
  const searched = packSearchPaths(options.packsDir);
  for (const dir of searched) {
    const candidate = join(dir, name);
    if (existsSync(join(candidate, 'manifest.json'))) return candidate;
  }
  const known = availablePacks(searched);
  throw new Error(`model pack "${name}" not found${known.length ? ` (available: ${known.join(', ')})` : ' (no packs are installed)'}`);
}
