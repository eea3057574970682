/**
 * Layers import only downward: the kernel knows nothing above it; the early-exit layer nothing of
 * the built-in nodes, the application or the test harness; the built-in nodes and the example
 * plugins only the public entry points.
 */
import { describe, expect, it } from 'vitest';
import type { ImportEdge } from './import-graph.js';
import { describeEdge, projectScan } from './project-scan.js';

const KERNEL_ENTRY = 'sdk/index.ts';
const EARLY_EXIT_ENTRY = 'sdk/early-exit/index.ts';

const inKernel = (file: string): boolean => file === KERNEL_ENTRY || file.startsWith('sdk/kernel/');
const under = (...folders: string[]) => (file: string | undefined): boolean => file !== undefined && folders.some((folder) => file.startsWith(folder));

/** Imports from files matching `from` whose target matches `forbidden`, described for the failure message. */
function offending(edges: readonly ImportEdge[], from: (file: string) => boolean, forbidden: (edge: ImportEdge) => boolean): string[] {
  return edges.filter((edge) => from(edge.from) && forbidden(edge)).map(describeEdge);
}

describe('layer rules', () => {
  const { edges } = projectScan();

  it('the kernel (sdk/index.ts, sdk/kernel/) imports nothing from sdk/early-exit, sdk/testing, nodes/, editor/ or bin/', () => {
    const above = under('sdk/early-exit/', 'sdk/testing/', 'nodes/', 'editor/', 'bin/');
    expect(offending(edges, inKernel, (edge) => above(edge.to))).toEqual([]);
  });

  it('the early-exit layer imports nothing from nodes/, editor/, bin/ or sdk/testing', () => {
    const above = under('sdk/testing/', 'nodes/', 'editor/', 'bin/');
    expect(offending(edges, under('sdk/early-exit/'), (edge) => above(edge.to))).toEqual([]);
  });

  it('the test harness (sdk/testing/) imports the kernel and the early-exit layer through their entry files only', () => {
    const allowed = (to: string): boolean => to === KERNEL_ENTRY || to === EARLY_EXIT_ENTRY || to.startsWith('sdk/testing/');
    expect(offending(edges, under('sdk/testing/'), (edge) => edge.to !== undefined && !allowed(edge.to))).toEqual([]);
  });

  it('the built-in nodes import only sdk/index.ts and sdk/early-exit/index.ts (and each other)', () => {
    const allowed = (to: string): boolean => to === KERNEL_ENTRY || to === EARLY_EXIT_ENTRY || to.startsWith('nodes/');
    expect(offending(edges, under('nodes/'), (edge) => edge.to !== undefined && !allowed(edge.to))).toEqual([]);
  });

  it('example plugins import only the package names (exitgraph, exitgraph/early-exit, exitgraph/testing), their own files and packages', () => {
    const pluginRoot = (file: string): string => file.split('/').slice(0, 3).join('/');
    const bad = edges.filter((edge) => {
      if (!edge.from.startsWith('examples/plugins/')) return false;
      // Relative imports stay inside the plugin's own folder; project files are reached by package name.
      if (edge.specifier.startsWith('.')) return edge.to === undefined || !edge.to.startsWith(`${pluginRoot(edge.from)}/`);
      return edge.specifier.startsWith('/');
    });
    expect(bad.map(describeEdge)).toEqual([]);
    expect(edges.some((edge) => edge.from.startsWith('examples/plugins/') && edge.specifier === 'exitgraph')).toBe(true);
  });
});
