// Bundles the editor (editor/client/main.ts + litegraph + CSS) into editor/public/build/.
// `npm run build:editor` runs it; the browser tests call bundleEditor() before starting, and
// test/browser/bundle.test.ts builds with editorBuildOptions() to check what goes in.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** esbuild's options for the editor bundle. */
export function editorBuildOptions({ minify = true } = {}) {
  return {
    entryPoints: { editor: here('./main.ts') },
    outdir: here('../public/build'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    sourcemap: true,
    minify,
    legalComments: 'linked',
    logLevel: 'warning',
  };
}

export async function bundleEditor({ minify = true } = {}) {
  await build(editorBuildOptions({ minify }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleEditor();
}
