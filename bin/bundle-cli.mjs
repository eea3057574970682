// Bundles the compiled CLI (dist/bin/cli/main.js, from `tsc`) into dist/cli/, so that a command
// loads a few files instead of some 170 small modules: on 2 cores that is about a tenth of the
// wall time of `exitgraph run`. `npm run build` runs it after tsc; bin/exitgraph.js uses the
// bundle when it is at least as new as tsc's output, and dist/bin/cli/ otherwise.
//
// npm packages stay outside (imported from node_modules as before). The SDK's public entry
// points and the session worker are entries of the same bundle, so that plugins loaded by the
// CLI (see sdk/kernel/plugins/sdk-resolver.ts) and the worker thread share its modules.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
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

export async function bundleCli() {
  const outdir = `${root}dist/cli`;
  rmSync(outdir, { recursive: true, force: true });
  await build({
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
    logLevel: 'warning',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleCli();
}
