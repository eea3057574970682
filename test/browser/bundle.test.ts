/**
 * The editor client and the kernel's browser entry must bundle for the browser without a Node
 * module: every import esbuild resolves is checked, and one that names a Node built-in or a
 * Node-only package fails the test with the file that imports it.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../sdk/index.js';
import { editorBuildOptions } from '../../editor/client/bundle.mjs';

const root = packageRoot();

/** Packages the client may bundle; every other dependency of the package is Node-only (sharp, onnxruntime-node, express, ...). */
const BROWSER_PACKAGES = new Set(['@comfyorg/litegraph', 'ajv', 'ajv-formats']);
const dependencies = Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
const NODE_ONLY_PACKAGES = dependencies.filter((name) => !BROWSER_PACKAGES.has(name));

/** The kernel modules sdk/kernel/browser.ts exports from (a folder ends with /). */
const BROWSER_SAFE_KERNEL = ['sdk/kernel/browser.ts', 'sdk/kernel/ports/', 'sdk/kernel/node/describe-node.ts', 'sdk/kernel/graph/workflow-format.ts', 'sdk/kernel/graph/api-format.ts', 'sdk/kernel/graph/graph.ts', 'sdk/kernel/graph/graph-problem.ts', 'sdk/kernel/image/png-text.ts', 'sdk/kernel/image/crc32.ts', 'sdk/kernel/image/class-colors.ts', 'sdk/kernel/image/image.ts'];

interface NodeImport {
  readonly module: string;
  readonly importer: string;
}

/** Records (and leaves out of the bundle) every import of a Node built-in or a Node-only package. */
function nodeImportDetector(found: NodeImport[]): Plugin {
  return {
    name: 'node-import-detector',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const packageName = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0]!;
        if (!isBuiltin(args.path) && !NODE_ONLY_PACKAGES.includes(packageName)) return undefined;
        found.push({ module: args.path, importer: relative(root, args.importer) });
        return { path: args.path, external: true };
      });
    },
  };
}

/** Bundles for the browser without writing anything; returns the inputs and the Node imports found. */
async function bundle(options: BuildOptions): Promise<{ inputs: string[]; nodeImports: NodeImport[] }> {
  const nodeImports: NodeImport[] = [];
  const result = await build({ ...options, platform: 'browser', bundle: true, write: false, metafile: true, logLevel: 'silent', plugins: [nodeImportDetector(nodeImports)] });
  const metafile: Metafile = result.metafile!;
  return { inputs: Object.keys(metafile.inputs), nodeImports };
}

function entry(path: string): BuildOptions {
  return { entryPoints: [join(root, path)], outdir: join(root, 'test-artifacts', 'bundle'), format: 'esm' };
}

describe('browser bundles', () => {
  it('the editor client bundles without any Node built-in or Node-only package, using the kernel rules', async () => {
    const { inputs, nodeImports } = await bundle({ ...(editorBuildOptions({ minify: false }) as BuildOptions) });
    expect(nodeImports).toEqual([]);
    expect(inputs.filter((input) => NODE_ONLY_PACKAGES.some((name) => input.includes(`node_modules/${name}/`)))).toEqual([]);
    // The client uses the kernel's own link rule, format checks and PNG chunks, not copies.
    for (const file of ['sdk/kernel/browser.ts', 'sdk/kernel/ports/port-registry.ts', 'sdk/kernel/graph/workflow-format.ts', 'sdk/kernel/image/png-text.ts', 'sdk/kernel/image/crc32.ts']) expect(inputs).toContain(file);
    // Of the SDK only the kernel's browser-safe part goes in: no engine, host or plugin loading.
    expect(inputs.filter((input) => input.startsWith('sdk/') && !BROWSER_SAFE_KERNEL.some((safe) => input.startsWith(safe)))).toEqual([]);
  });

  it("sdk/kernel/browser.ts's transitive imports contain no Node built-in", async () => {
    const { inputs, nodeImports } = await bundle(entry('sdk/kernel/browser.ts'));
    expect(nodeImports).toEqual([]);
    expect(inputs.filter((input) => !BROWSER_SAFE_KERNEL.some((safe) => input.startsWith(safe)))).toEqual([]);
  });

  it('the check finds Node imports where there are some (image IO reads files and uses sharp)', async () => {
    const { nodeImports } = await bundle(entry('sdk/kernel/image/image-io.ts'));
    expect(nodeImports).toEqual(
      expect.arrayContaining([
        { module: 'node:fs/promises', importer: 'sdk/kernel/image/image-io.ts' },
        { module: 'sharp', importer: 'sdk/kernel/image/image-io.ts' },
      ]),
    );
  });
});
