import type { ParamCondition, ParamSchema } from '../../sdk/kernel/browser.js';

/**
 * The params schema's display annotations, in the spirit of n8n's displayOptions: a param with
 * `x-visible-when: { router: ['risk'] }` shows only while `router` is one of those values, one with
 * `x-hidden-when` the reverse. Hidden params keep their values (switching back restores them);
 * the node's `run` decides which it reads.
 */
export function isParamShown(schema: ParamSchema, params: Readonly<Record<string, unknown>>, properties: Readonly<Record<string, ParamSchema>>): boolean {
  // A param not set yet has its default, as the server fills it in before the node runs.
  const valueOf = (name: string): unknown => (name in params ? params[name] : properties[name]?.default);
  const visibleWhen = schema['x-visible-when'];
  const hiddenWhen = schema['x-hidden-when'];
  if (visibleWhen && !holds(visibleWhen, valueOf)) return false;
  return !(hiddenWhen && holds(hiddenWhen, valueOf));
}

/** The params whose value decides whether another param shows (the widgets to watch). */
export function controllingParams(properties: Readonly<Record<string, ParamSchema>>): Set<string> {
  const names = new Set<string>();
  for (const schema of Object.values(properties)) {
    for (const condition of [schema['x-visible-when'], schema['x-hidden-when']]) {
      for (const name of Object.keys(condition ?? {})) names.add(name);
    }
  }
  return names;
}

/** Every named param has one of its listed values. */
function holds(condition: ParamCondition, valueOf: (name: string) => unknown): boolean {
  return Object.entries(condition).every(([name, values]) => values.some((value) => Object.is(value, valueOf(name))));
}
