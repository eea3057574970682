// Bundles the compiled CLI (dist/bin/cli/main.js, from `tsc`) into dist/cli/, so that a command
// loads a few files instead of some 170 small modules: on 2 cores that took about a seventh off
// the wall time of `exitgraph run`. `npm run build` runs it after tsc; bin/exitgraph.js uses the
// bundle when it is at least as new as tsc's output, and dist/bin/cli/ otherwise.
//
// npm packages stay outside (imported from node_modules as before). The SDK's public entry
// points are entries of the same bundle, so that plugins loaded by the CLI (see
// sdk/kernel/plugins/sdk-resolver.ts) get the host's own module instances; the session worker
// is an entry too, so that it starts from the bundle's files.
import { build } from 'esbuild';
import { readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Bundle entry name -> compiled module (under dist/). */
export const CLI_BUNDLE_ENTRIES = {
  main: 'dist/bin/cli/main.js',
  sdk: 'dist/sdk/index.js',
  'early-exit': 'dist/sdk/early-exit/index.js',
  testing: 'dist/sdk/testing/index.js',
  browser: 'dist/sdk/kernel/browser.js',
  'session-worker': 'dist/sdk/early-exit/onnx/session-worker.js',
};

/** What `import 'exitgraph…'` in a plugin resolves to, relative to the bundle's chunks. */
const SDK_SPECIFIERS = {
  exitgraph: './sdk.js',
  'exitgraph/early-exit': './early-exit.js',
  'exitgraph/testing': './testing.js',
  'exitgraph/browser': './browser.js',
};

/**
 * exitgraph's own modules do nothing when imported but define things, so a module none of whose
 * exports a command uses can be left out of that command's chunks. esbuild cannot know this by
 * itself for modules that import npm packages (that import might have effects), and the SDK's
 * barrels re-export such modules: without this, `exitgraph run` would load the ONNX protobuf
 * reader through them, which only pack checks and merges need.
 */
const ownModulesAreSideEffectFree = {
  name: 'own-modules-side-effect-free',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => ({ path: resolve(args.resolveDir, args.path), sideEffects: false }));
  },
};

/**
 * Files of earlier builds are kept for a day: chunk names change with their content, and a
 * process started from an earlier build (a server left running) imports its lazily loaded
 * chunks by their old names. Older ones go.
 */
const KEEP_EARLIER_BUILDS_MS = 24 * 60 * 60 * 1000;

export async function bundleCli() {
  const outdir = `${root}dist/cli`;
  const result = await build({
    absWorkingDir: root,
    entryPoints: CLI_BUNDLE_ENTRIES,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    define: { EXITGRAPH_BUNDLED_SDK_ENTRIES: JSON.stringify(SDK_SPECIFIERS) },
    plugins: [ownModulesAreSideEffectFree],
    metafile: true,
    logLevel: 'warning',
  });
  const written = new Set(Object.keys(result.metafile.outputs).map((file) => resolve(root, file)));
  const now = Date.now();
  for (const name of readdirSync(outdir)) {
    const file = join(outdir, name);
    if (!written.has(file) && now - statSync(file).mtimeMs > KEEP_EARLIER_BUILDS_MS) rmSync(file, { force: true });
  }
}

// Run as a script (through a symbolic link too: import.meta.url is the real path).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  await bundleCli();
}
