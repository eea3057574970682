import { fileURLToPath } from 'node:url';

/** Root of the exitgraph package (the folder holding package.json), from source or from dist/. */
export function packageRoot(): string {
  // sdk/kernel/host/*.ts in the source tree, dist/sdk/kernel/host/*.js once compiled.
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../../' : '../../../../', import.meta.url));
}
