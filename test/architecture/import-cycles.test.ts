/** No two files import each other in a circle, type-only and dynamic imports included. */
import { describe, expect, it } from 'vitest';
import { describeCycle, findCycles } from './import-graph.js';
import { CODE_FOLDERS, describeEdge, projectScan } from './project-scan.js';

describe('import graph of sdk/, nodes/, bin/, editor/', () => {
  const { files, edges } = projectScan();
  const code = edges.filter((edge) => CODE_FOLDERS.some((folder) => edge.from.startsWith(`${folder}/`)));

  it('covers the tree (every layer has files and imports)', () => {
    for (const folder of CODE_FOLDERS) expect(files.filter((f) => f.startsWith(`${folder}/`)).length, folder).toBeGreaterThan(0);
    expect(code.filter((edge) => edge.to).length).toBeGreaterThan(200);
  });

  it('has no import that resolves to nothing', () => {
    expect(code.filter((edge) => edge.unresolved).map(describeEdge)).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const cycles = findCycles(code).map((cycle) => describeCycle(cycle, code));
    expect(cycles, `import cycles:\n${cycles.join('\n\n')}`).toEqual([]);
  });
});
