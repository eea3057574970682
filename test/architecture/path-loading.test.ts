/**
 * Nothing loads project code by a path computed or spelled at run time (which would hide a
 * dependency from the import graph), except the plugin loader, which loads user plugins by design,
 * and worker-thread clients, which can only name their worker's entry module by URL.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODE_FOLDERS, projectScan } from './project-scan.js';

/**
 * The plugin loader: load-plugins.ts imports user plugins from configured places; sdk-resolver.ts
 * lets those plugins import the running SDK as `exitgraph` (a resolution hook to the entry files).
 */
const PLUGIN_LOADER = new Set(['sdk/kernel/plugins/load-plugins.ts', 'sdk/kernel/plugins/sdk-resolver.ts']);

/**
 * Worker-thread clients and the one entry each may name: the worker's own module (as built next
 * to the client, or in the build's folder when the client runs from the sources).
 */
const WORKER_ENTRIES = new Map([['sdk/early-exit/onnx/session-worker-client.ts', 'sdk/early-exit/onnx/session-worker.ts']]);
const namesOnlyItsWorker = (file: string, what: string): boolean => {
  const entry = WORKER_ENTRIES.get(file);
  if (!entry) return false;
  const built = entry.replace(/^.*\//, '').replace(/\.ts$/, '.js');
  return what.startsWith(`new URL('`) && what.includes(`/${built}'`) && existsSync(entry);
};

describe('loading code by path', () => {
  const { scans } = projectScan();

  it('happens nowhere outside the plugin loader and the worker clients (which name only their worker)', () => {
    const found = [...scans]
      .filter(([file]) => CODE_FOLDERS.some((folder) => file.startsWith(`${folder}/`)) && !PLUGIN_LOADER.has(file))
      .flatMap(([file, scan]) => scan.pathLoading.filter((p) => !namesOnlyItsWorker(file, p.what)).map((p) => `${p.file}:${p.line} ${p.what}`));
    expect(found).toEqual([]);
  });

  it('sees the worker clients naming their entries (so the exemption is still needed)', () => {
    for (const file of WORKER_ENTRIES.keys()) expect(scans.get(file)?.pathLoading.length ?? 0).toBeGreaterThan(0);
  });

  it('is seen in the plugin loader (so the scan does look)', () => {
    const loader = [...PLUGIN_LOADER].flatMap((file) => scans.get(file)?.pathLoading ?? []);
    expect(loader.map((p) => p.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^import\(\) of a computed path/), expect.stringMatching(/register from node:module/)]));
  });
});
