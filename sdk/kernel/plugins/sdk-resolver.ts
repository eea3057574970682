import { register } from 'node:module';

let registered = false;

/** The SDK's public entry points (package.json `exports`), relative to this file in dist/. */
const SDK_ENTRIES: Readonly<Record<string, string>> = {
  exitgraph: '../../index.js',
  'exitgraph/early-exit': '../../early-exit/index.js',
  'exitgraph/testing': '../../testing/index.js',
  'exitgraph/browser': '../browser.js',
};

/**
 * The CLI bundle (bin/bundle-cli.mjs) defines this: its own entry points for the same
 * specifiers, relative to its chunks. A plugin run by the bundled CLI must import the bundle's
 * copy of the SDK, not dist/sdk/: the kernel checks errors with instanceof, and services and
 * caches live in module state, so two copies would not see each other.
 */
declare const EXITGRAPH_BUNDLED_SDK_ENTRIES: Readonly<Record<string, string>> | undefined;

/**
 * Lets plugin modules `import { defineNode } from 'exitgraph'` (and the other entry points) without installing the SDK
 * themselves: the specifier resolves to the running host's own SDK, so a plugin always sees the
 * version it is loaded into.
 */
export function exposeSdkToPlugins(): void {
  if (registered) return;
  registered = true;
  // Only the compiled SDK can be handed to Node's loader; test runners alias the source instead.
  if (!import.meta.url.endsWith('.js')) return;
  const entries: Record<string, string> = Object.fromEntries(Object.entries(typeof EXITGRAPH_BUNDLED_SDK_ENTRIES === 'undefined' ? SDK_ENTRIES : EXITGRAPH_BUNDLED_SDK_ENTRIES).map(([specifier, path]) => [specifier, new URL(path, import.meta.url).href]));
  const hook = `const entries = ${JSON.stringify(entries)};
  export async function resolve(specifier, context, next) {
    if (Object.hasOwn(entries, specifier)) return { url: entries[specifier], shortCircuit: true };
    return next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
