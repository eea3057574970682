import { defineService } from '../../kernel/host/host-services.js';
import { distanceFor, type DistanceFunction } from '../evaluation/distance.js';
import type { Device } from '../onnx/devices.js';

/**
 * The metrics audits measure with, loaded once per host and (metric, device): an LPIPS network is
 * a session of its own, too dear to open per audited input.
 */
export class AuditDistances {
  readonly #loaded = new Map<string, Promise<DistanceFunction>>();

  get(metric: string, device: Device): Promise<DistanceFunction> {
    const key = `${metric}|${device}`;
    let loaded = this.#loaded.get(key);
    if (!loaded) {
      loaded = distanceFor(metric, device);
      // A failed load (no weights) is not cached, so fixing the weights fixes the next audit.
      loaded.catch(() => this.#loaded.delete(key));
      this.#loaded.set(key, loaded);
    }
    return loaded;
  }
}

export const AUDIT_DISTANCES = defineService('exitgraph/audit-distances', () => new AuditDistances());
