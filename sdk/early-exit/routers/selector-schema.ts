import type { ParamsSchema } from '../../kernel/node/define-node.js';
import type { AnyRouterDefinition } from './define-router.js';

/** Bare name of a built-in router (`exitgraph/risk` -> `risk`), the id otherwise. */
export function routerName(router: AnyRouterDefinition): string {
  return router.id.replace(/^exitgraph\//, '');
}

/**
 * The params schema of a node that picks a router by name: `router`, then every router's own
 * params, each marked `x-visible-when: { router: [names] }` (as n8n's displayOptions) so that
 * the editor shows only the chosen router's params. A param several routers share (tau) is
 * shown for each of them; the first router to declare it gives its schema. `extra` carries the
 * params of routers from plugins, which the node does not know when it is defined.
 */
export function routerParamsSchema(routers: readonly AnyRouterDefinition[], defaultRouter: string): ParamsSchema {
  const properties: Record<string, Record<string, unknown>> = {};
  const shownFor = new Map<string, string[]>();
  for (const router of routers) {
    if (router.evaluationOnly) continue;
    for (const [name, schema] of Object.entries(router.params.properties)) {
      if (!properties[name]) properties[name] = { ...schema };
      shownFor.set(name, [...(shownFor.get(name) ?? []), routerName(router)]);
    }
  }
  for (const [name, names] of shownFor) properties[name] = { ...properties[name], 'x-visible-when': { router: names } };
  const builtin = routers.filter((r) => !r.evaluationOnly).map(routerName);
  return {
    type: 'object',
    properties: {
      router: { type: 'string', default: defaultRouter, 'x-suggestions': builtin, description: 'Router: a built-in name or a plugin router id ("mypack/name")' },
      ...properties,
      extra: { type: 'object', default: {}, description: 'Params of a router from a plugin, by name', 'x-hidden-when': { router: builtin } },
    },
  };
}

/** The params a router declares, taken from a selector's params (`extra` wins for plugin routers). */
export function paramsForRouter(router: AnyRouterDefinition, params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const extra = (params.extra ?? {}) as Record<string, unknown>;
  const given: Record<string, unknown> = { ...extra };
  for (const name of Object.keys(router.params.properties)) {
    if (name in params && !(name in extra)) given[name] = params[name];
  }
  return given;
}
