/** Helpers to hold, release and synchronise nodes mid-run in engine tests. */

/**
 * Resolves once `count` parties have arrived; `arrive` returns that shared promise. So that a
 * sequential engine fails the test instead of hanging it, a party that waits through `patience`
 * event-loop turns without the others arriving gets a rejection (no clocks involved).
 */
export function barrier(count: number, patience = 500): { arrive: (who: string) => Promise<void>; arrived: string[] } {
  const arrived: string[] = [];
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  let done = false;
  void all.then(() => (done = true));
  const giveUp = async (who: string): Promise<never> => {
    for (let turn = 0; turn < patience && !done; turn++) await new Promise((resolve) => setImmediate(resolve));
    if (done) return new Promise<never>(() => {});
    throw new Error(`${who} waited ${patience} event-loop turns and only ${arrived.join(', ')} had started`);
  };
  return {
    arrived,
    arrive: (who) => {
      arrived.push(who);
      if (arrived.length === count) release();
      return Promise.race([all, giveUp(who)]);
    },
  };
}

/** A promise with its resolve function, to hold a node mid-run until the test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves when the signal aborts (for nodes that honour cancellation). */
export function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
