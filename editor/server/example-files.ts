import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { isInside, type Workflow } from '../../sdk/index.js';

/**
 * Example graphs name their input files as `exitgraph run` finds them: from the repository root
 * (`examples/inputs/sunset.png`) or relative to the graph file (`../inputs/sunset.png`). The
 * server resolves inputs against the workspace's input folder instead, so before the editor gets
 * an example, each param naming a file of the examples folder is copied to
 * `input/examples/...` and rewritten to point there.
 */
export async function importExampleFiles(workflow: Workflow, examplesDir: string, inputDir: string): Promise<Workflow> {
  const examplesRoot = dirname(resolve(examplesDir));
  const copy = structuredClone(workflow);
  for (const node of copy.nodes) {
    const params = node.properties?.params;
    if (!params) continue;
    for (const [name, value] of Object.entries(params)) {
      if (typeof value !== 'string' || value === '' || value.includes('\0')) continue;
      const source = await firstFile([resolve(dirname(examplesRoot), value), resolve(examplesDir, value)]);
      if (!source || !isInside(examplesRoot, source)) continue;
      const rel = relative(examplesRoot, source);
      const target = join(inputDir, 'examples', rel);
      if (!(await isFile(target))) {
        await mkdir(dirname(target), { recursive: true });
        await copyFile(source, target);
      }
      params[name] = ['examples', ...rel.split(sep)].join('/');
    }
  }
  return copy;
}

async function firstFile(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) if (await isFile(path)) return path;
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}
