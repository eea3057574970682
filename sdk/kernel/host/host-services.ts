/**
 * Per-host services: the state layers and plugins keep (router registries, router streams, model
 * sessions). Each host creates its own instance of a service on first use, so two hosts in one
 * process share nothing; nodes reach them through `ctx.services`.
 */
export interface ServiceKey<T> {
  /** Namespaced id, for error messages (`exitgraph/routers`). */
  readonly id: string;
  /** Makes the host's instance; it may use other services of the same host. */
  readonly create: (services: ServiceLookup) => T;
  /** Releases what an instance holds (sessions, GPU buffers) when its host is closed. */
  readonly dispose?: (instance: T) => void | Promise<void>;
}

/** Declares a service: a typed key whose instance each host creates on first use. */
export function defineService<T>(id: string, create: (services: ServiceLookup) => T, dispose?: (instance: T) => void | Promise<void>): ServiceKey<T> {
  return Object.freeze({ id, create, ...(dispose ? { dispose } : {}) });
}

/** What nodes see: the host's services, looked up by key. */
export interface ServiceLookup {
  get<T>(key: ServiceKey<T>): T;
}

export class HostServices implements ServiceLookup {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly #instances = new Map<ServiceKey<any>, unknown>();

  get<T>(key: ServiceKey<T>): T {
    if (!this.#instances.has(key)) this.#instances.set(key, key.create(this));
    return this.#instances.get(key) as T;
  }

  /**
   * Gives the host its instance of a service instead of the one `create` would make (e.g. the
   * server's model sessions, which run off its thread). Only before the service is first used:
   * nodes may already hold the old instance.
   */
  provide<T>(key: ServiceKey<T>, instance: T): void {
    if (this.#instances.has(key)) throw new Error(`service ${key.id} is already in use on this host; provide it before the first run`);
    this.#instances.set(key, instance);
  }

  /** Whether the service was created (without creating it). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  has(key: ServiceKey<any>): boolean {
    return this.#instances.has(key);
  }

  async dispose(): Promise<void> {
    const instances = [...this.#instances];
    this.#instances.clear();
    for (const [key, instance] of instances) await key.dispose?.(instance);
  }
}
