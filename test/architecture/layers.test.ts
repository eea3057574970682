/**
 * Layers import only downward: the kernel knows nothing above it; the early-exit layer nothing of
 * the built-in nodes, the application or the test harness; the built-in nodes and the example
 * plugins only the public entry points.
 */
import { builtinModules } from 'node:module';
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

describe('the browser-safe part', () => {
  const { edges } = projectScan();
  const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

  /** Every project file reachable from `start` by imports (type-only ones included). */
  function reachable(start: string): Set<string> {
    const seen = new Set([start]);
    const pending = [start];
    while (pending.length) {
      const file = pending.pop()!;
      for (const edge of edges) {
        if (edge.from === file && edge.to && !seen.has(edge.to)) {
          seen.add(edge.to);
          pending.push(edge.to);
        }
      }
    }
    return seen;
  }

  it('sdk/kernel/browser.ts and the editor client reach no Node built-in module, directly or through other files', () => {
    const files = new Set([...reachable('sdk/kernel/browser.ts'), ...[...new Set(edges.map((e) => e.from))].filter((f) => f.startsWith('editor/client/') && f.endsWith('.ts')).flatMap((f) => [...reachable(f)])]);
    // browser.ts re-exports from the files that hold the code (so the walk must go through them).
    expect(reachable('sdk/kernel/browser.ts').size).toBeGreaterThan(1);
    const nodeImports = edges.filter((edge) => files.has(edge.from) && edge.kind !== 'import type' && NODE_BUILTINS.has(edge.specifier));
    expect(nodeImports.map(describeEdge)).toEqual([]);
  });

  it('the editor client imports from the SDK only the browser-safe part (sdk/kernel/browser.ts and what it exports from)', () => {
    const browserSafe = reachable('sdk/kernel/browser.ts');
    const bad = edges.filter((edge) => edge.from.startsWith('editor/client/') && edge.from.endsWith('.ts') && edge.to !== undefined && !edge.to.startsWith('editor/client/') && !browserSafe.has(edge.to));
    expect(bad.map(describeEdge)).toEqual([]);
  });
});
