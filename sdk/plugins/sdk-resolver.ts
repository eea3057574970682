import { register } from 'node:module';

let registered = false;

/**
 * Lets plugin modules `import { defineNode } from 'exitgraph'` without installing the SDK
 * themselves: the specifier resolves to the running host's own SDK, so a plugin always sees the
 * version it is loaded into.
 */
export function exposeSdkToPlugins(): void {
  if (registered) return;
  registered = true;
  const self = new URL('../index.js', import.meta.url);
  // Only the compiled SDK can be handed to Node's loader; test runners alias the source instead.
  if (!import.meta.url.endsWith('.js')) return;
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === 'exitgraph') return { url: ${JSON.stringify(self.href)}, shortCircuit: true };
    return next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}
