// Bundles the editor (editor/client/main.ts + litegraph + CSS) into editor/public/build/.
// `npm run build:editor` runs it; the browser tests call bundleEditor() before starting.
import { build } from 'esbuild';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

export async function bundleEditor({ minify = true } = {}) {
  await build({
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
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleEditor();
}
