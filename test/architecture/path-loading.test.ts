/**
 * Nothing loads project code by a path computed or spelled at run time (which would hide a
 * dependency from the import graph), except the plugin loader, which loads user plugins by design.
 */
import { describe, expect, it } from 'vitest';
import { CODE_FOLDERS, projectScan } from './project-scan.js';

/**
 * The plugin loader: load-plugins.ts imports user plugins from configured places; sdk-resolver.ts
 * lets those plugins import the running SDK as `exitgraph` (a resolution hook to the entry files).
 */
const PLUGIN_LOADER = new Set(['sdk/kernel/plugins/load-plugins.ts', 'sdk/kernel/plugins/sdk-resolver.ts']);

describe('loading code by path', () => {
  const { scans } = projectScan();

  it('happens nowhere outside the plugin loader', () => {
    const found = [...scans]
      .filter(([file]) => CODE_FOLDERS.some((folder) => file.startsWith(`${folder}/`)) && !PLUGIN_LOADER.has(file))
      .flatMap(([, scan]) => scan.pathLoading.map((p) => `${p.file}:${p.line} ${p.what}`));
    expect(found).toEqual([]);
  });

  it('is seen in the plugin loader (so the scan does look)', () => {
    const loader = [...PLUGIN_LOADER].flatMap((file) => scans.get(file)?.pathLoading ?? []);
    expect(loader.map((p) => p.what)).toEqual(expect.arrayContaining([expect.stringMatching(/^import\(\) of a computed path/), expect.stringMatching(/register from node:module/)]));
  });
});
