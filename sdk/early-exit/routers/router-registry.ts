import type { ValidateFunction } from 'ajv';
import { paramsAjv, ParamsSchemaCheck } from '../../kernel/node/params-schema.js';
import { defineService } from '../../kernel/host/host-services.js';
import { definePackExtension } from '../../kernel/plugins/pack-extension.js';
import type { AnyRouterDefinition } from './define-router.js';
import type { Calibration } from '../plans.js';
import { budgetRouter } from './builtin/budget.js';
import { deadlineRouter } from './builtin/deadline.js';
import { fixedRouter } from './builtin/fixed.js';
import { fullRouter } from './builtin/full.js';
import { oracleRouter } from './builtin/oracle.js';
import { riskRouter } from './builtin/risk.js';
import { thresholdRouter } from './builtin/threshold.js';

export const BUILTIN_ROUTERS: readonly AnyRouterDefinition[] = [thresholdRouter, riskRouter, budgetRouter, deadlineRouter, fixedRouter, fullRouter, oracleRouter];

/**
 * Routers by id. Built-ins answer to their bare name too (`risk` = `exitgraph/risk`). Packs add
 * theirs through `definePack({ routers })`; each host has its own registry (the ROUTERS service).
 */
export class RouterRegistry {
  readonly #routers = new Map<string, { router: AnyRouterDefinition; origin: string }>();
  readonly #ajv = paramsAjv();
  readonly #schemas = new ParamsSchemaCheck();
  readonly #validators = new WeakMap<AnyRouterDefinition, ValidateFunction>();
  readonly #prepared = new WeakMap<AnyRouterDefinition, Map<string, unknown>>();

  constructor() {
    for (const router of BUILTIN_ROUTERS) this.add(router, 'exitgraph');
  }

  add(router: AnyRouterDefinition, origin: string): void {
    const existing = this.#routers.get(router.id);
    if (existing?.router === router) return;
    if (existing) throw new Error(`${origin}: router ${router.id} is already defined by ${existing.origin}`);
    // Built-ins' schemas are checked by the test suite (see paramsAjv).
    if (!BUILTIN_ROUTERS.includes(router)) {
      const problems = this.#schemas.problems(router.params);
      if (problems.length) throw new Error(`${origin}: router ${router.id}: its params schema is not a valid JSON Schema: ${problems.join('; ')}`);
    }
    this.#routers.set(router.id, { router, origin });
  }

  get(name: string): AnyRouterDefinition {
    const found = this.#routers.get(name) ?? this.#routers.get(`exitgraph/${name}`);
    if (!found) throw new Error(`unknown router "${name}" (known: ${this.names().join(', ')})`);
    return found.router;
  }

  names(): string[] {
    return [...this.#routers.keys()].map((id) => id.replace(/^exitgraph\//, '')).sort();
  }

  list(): AnyRouterDefinition[] {
    return [...this.#routers.values()].map((r) => r.router);
  }

  /** Validates and defaults a router's params; errors name the router and the param. */
  params(router: AnyRouterDefinition, params: Record<string, unknown>): Record<string, unknown> {
    let validate = this.#validators.get(router);
    if (!validate) {
      validate = this.#ajv.compile({ ...router.params, additionalProperties: false });
      this.#validators.set(router, validate);
    }
    const copy = structuredClone(params);
    if (!validate(copy)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath.replace(/^\//, '') || (e.params as { additionalProperty?: string }).additionalProperty || 'params'} ${e.message}`);
      throw new Error(`router ${router.id}: invalid params: ${problems.join('; ')}`);
    }
    return copy;
  }

  /** `prepare` once per (router, params, calibration): calibrated thresholds are fitted once. */
  prepared(router: AnyRouterDefinition, params: Record<string, unknown>, calibration: Calibration | undefined): unknown {
    if (!router.prepare) return undefined;
    let byKey = this.#prepared.get(router);
    if (!byKey) this.#prepared.set(router, (byKey = new Map()));
    const key = `${JSON.stringify(params)}|${calibration ? calibrationId(calibration) : 'none'}`;
    if (!byKey.has(key)) byKey.set(key, router.prepare(params, calibration));
    return byKey.get(key);
  }
}

const ids = new WeakMap<Calibration, number>();
let nextId = 0;
function calibrationId(calibration: Calibration): number {
  if (!ids.has(calibration)) ids.set(calibration, nextId++);
  return ids.get(calibration)!;
}

/** The host's router registry: built-ins plus what its packs contribute through `routers`. */
export const ROUTERS = defineService('exitgraph/routers', () => new RouterRegistry());

/**
 * The `routers` pack field: routers ExitSelector can pick by id. Checked against the host's
 * registry before the pack commits anything.
 */
export const routersExtension = definePackExtension({
  field: 'routers',
  description: 'Routers ExitSelector can pick by id (see defineRouter)',
  check: (value, pack, services) => {
    if (!Array.isArray(value)) throw new Error(`pack ${pack.name}: "routers" must be an array of router definitions`);
    const registry = services.get(ROUTERS);
    const ids = new Set<string>();
    for (const router of value as AnyRouterDefinition[]) {
      if (typeof router?.id !== 'string' || typeof router.route !== 'function') throw new Error(`pack ${pack.name}: routers must be made with defineRouter`);
      const existing = registry.list().find((r) => r.id === router.id);
      if ((existing && existing !== router) || ids.has(router.id)) throw new Error(`pack ${pack.name}: router ${router.id} is already defined`);
      ids.add(router.id);
    }
    return () => {
      for (const router of value as AnyRouterDefinition[]) registry.add(router, pack.name);
    };
  },
});

declare module '../../kernel/plugins/node-pack.js' {
  interface NodePack {
    /** Routers ExitSelector can pick by id (see defineRouter); needs the early-exit layer. */
    readonly routers?: readonly AnyRouterDefinition[];
  }
}
