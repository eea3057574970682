import { defineService } from '../../kernel/host/host-services.js';
import { distanceFor, type DistanceFunction } from '../evaluation/distance.js';
import type { Device } from '../onnx/devices.js';
import { ONNX_SESSIONS, type SessionCache } from '../onnx/sessions.js';

/**
 * The metrics audits measure with, loaded once per host and (metric, device): an LPIPS network is
 * a session of its own, too dear to open per audited input.
 */
export class AuditDistances {
  readonly #loaded = new Map<string, Promise<DistanceFunction>>();

  /** `sessions`: the host's, so a server's audits run beside its models, off its thread. */
  constructor(private readonly sessions?: SessionCache) {}

  get(metric: string, device: Device): Promise<DistanceFunction> {
    const key = `${metric}|${device}`;
    let loaded = this.#loaded.get(key);
    if (!loaded) {
      loaded = distanceFor(metric, device, undefined, this.sessions);
      // A failed load (no weights) is not cached, so fixing the weights fixes the next audit.
      loaded.catch(() => this.#loaded.delete(key));
      this.#loaded.set(key, loaded);
    }
    return loaded;
  }
}

export const AUDIT_DISTANCES = defineService('exitgraph/audit-distances', (services) => new AuditDistances(services.get(ONNX_SESSIONS)));
