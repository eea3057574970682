/** The import scanner itself, on small made-up trees: it must see what the architecture tests rely on. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeCycle, findCycles, listCodeFiles, scanFiles } from './import-graph.js';

const root = mkdtempSync(join(tmpdir(), 'exitgraph-imports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): { edges: ReturnType<typeof scan>['edges']; loading: string[] } {
  const dir = mkdtempSync(join(root, 'tree-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'exitgraph', exports: { '.': { default: './dist/sdk/index.js' }, './testing': { default: './dist/sdk/testing/index.js' } } }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return scan(dir);
}

function scan(dir: string) {
  const scans = scanFiles(dir, listCodeFiles(dir, ['sdk', 'nodes', 'examples']));
  return { edges: [...scans.values()].flatMap((s) => s.imports), loading: [...scans.values()].flatMap((s) => s.pathLoading.map((p) => `${p.file}:${p.line} ${p.what}`)) };
}

describe('import scanner', () => {
  it('resolves every kind of import to source files, own package names included', () => {
    const { edges } = tree({
      'sdk/index.ts': "export { a } from './a.js';\n",
      'sdk/a.ts': "import type { B } from './b.js';\nexport const a = 1;\nexport type T = import('./c.js').C;\n",
      'sdk/b.ts': "export type B = 1;\nconst later = () => import('./c.js');\ndeclare module './a.js' { interface X {} }\n",
      'sdk/c.ts': "import { readFile } from 'node:fs';\nexport type C = 1;\n",
      'sdk/testing/index.ts': "import { a } from 'exitgraph';\n",
      'nodes/n.js': "const x = require('./m.js');\n",
      'nodes/m.js': '',
    });
    const seen = edges.map((e) => `${e.from} ${e.kind} ${e.to ?? `(external ${e.specifier})`}`);
    expect(seen).toEqual(expect.arrayContaining([
      'sdk/index.ts export from sdk/a.ts',
      'sdk/a.ts import type sdk/b.ts',
      'sdk/a.ts import type node sdk/c.ts',
      'sdk/b.ts dynamic import sdk/c.ts',
      'sdk/b.ts augmentation sdk/a.ts',
      'sdk/c.ts import (external node:fs)',
      'sdk/testing/index.ts import sdk/index.ts',
    ]));
    expect(edges.filter((e) => e.unresolved)).toEqual([]);
  });

  it('finds cycles made of type-only and dynamic imports and prints them with lines', () => {
    const { edges } = tree({
      'sdk/a.ts': "import type { B } from './b.js';\n",
      'sdk/b.ts': "\nexport const b = () => import('./c.js');\n",
      'sdk/c.ts': "export type { A } from './a.js';\n",
      'sdk/d.ts': "import './d.js';\n",
      'sdk/e.ts': "import './a.js';\n",
    });
    const cycles = findCycles(edges);
    expect(cycles).toEqual(expect.arrayContaining([['sdk/a.ts', 'sdk/b.ts', 'sdk/c.ts', 'sdk/a.ts'], ['sdk/d.ts', 'sdk/d.ts']]));
    expect(cycles).toHaveLength(2);
    const printed = describeCycle(cycles.find((c) => c.length === 4)!, edges);
    expect(printed).toContain("sdk/a.ts:1 (import type './b.js')");
    expect(printed).toContain("sdk/b.ts:2 (dynamic import './c.js')");
  });

  it('flags code loaded by a computed path, createRequire of project files, code files by URL, and resolution hooks', () => {
    const { loading } = tree({
      'sdk/a.ts': [
        "import { createRequire, register } from 'node:module';",
        "const entry = new URL('../nodes/index.js', import.meta.url);",
        'await import(entry.href);',
        "const require = createRequire(import.meta.url);",
        "require('./b.js');",
        "createRequire(import.meta.url).resolve('onnxruntime-node');",
        "const root = new URL('../../', import.meta.url);",
        "await import('./b.js');",
      ].join('\n'),
      'sdk/b.ts': '',
    });
    expect(loading).toEqual([
      'sdk/a.ts:1 imports register from node:module: a module resolution hook can map any specifier to a project file',
      "sdk/a.ts:2 new URL('../nodes/index.js', import.meta.url): a code file by path",
      'sdk/a.ts:3 import() of a computed path: import(entry.href)',
      "sdk/a.ts:5 require('./b.js'): require of a project file by path",
    ]);
  });
});
