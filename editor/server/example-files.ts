import { copyFile, cp, mkdir, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { isInside, type Workflow } from '../../sdk/index.js';

/**
 * Example graphs name their input files as `exitgraph run` finds them: from the repository root
 * (`examples/inputs/sunset.png`) or relative to the graph file (`../inputs/sunset.png`). The
 * server resolves inputs against the workspace's input folder instead, so before the editor gets
 * an example, each param naming a file or folder of the examples folder (a Load Frames node
 * reads a folder of frames) is copied to `input/examples/...` and rewritten to point there.
 */
export async function importExampleFiles(workflow: Workflow, examplesDir: string, inputDir: string): Promise<Workflow> {
  const examplesRoot = dirname(resolve(examplesDir));
  const copy = structuredClone(workflow);
  for (const node of copy.nodes) {
    const params = node.properties?.params;
    if (!params) continue;
    for (const [name, value] of Object.entries(params)) {
      if (typeof value !== 'string' || value === '' || value.includes('\0')) continue;
      const found = await firstEntry([resolve(dirname(examplesRoot), value), resolve(examplesDir, value)]);
      // Never the examples folder itself or a folder holding the graphs (a string param that happens to name one).
      if (!found || !isInside(examplesRoot, found.path) || (found.kind === 'folder' && isInside(found.path, resolve(examplesDir)))) continue;
      const rel = relative(examplesRoot, found.path);
      const target = join(inputDir, 'examples', rel);
      if (!(await kindOf(target))) {
        await mkdir(dirname(target), { recursive: true });
        if (found.kind === 'file') await copyFile(found.path, target);
        else await cp(found.path, target, { recursive: true });
      }
      params[name] = ['examples', ...rel.split(sep)].join('/');
    }
  }
  return copy;
}

async function firstEntry(paths: readonly string[]): Promise<{ path: string; kind: 'file' | 'folder' } | undefined> {
  for (const path of paths) {
    const kind = await kindOf(path);
    if (kind) return { path, kind };
  }
  return undefined;
}

async function kindOf(path: string): Promise<'file' | 'folder' | undefined> {
  return stat(path).then(
    (s) => (s.isFile() ? 'file' : s.isDirectory() ? 'folder' : undefined),
    () => undefined,
  );
}
