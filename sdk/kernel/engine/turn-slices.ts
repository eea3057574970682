/**
 * Time slices for starting nodes. A run starts every ready node at once (independent branches
 * run concurrently), and each start runs the node's synchronous first part (reading params,
 * parsing a file header, setting up a decode) in the same event-loop turn: a graph with 32
 * independent branches would hold a server's requests for all 32. Once starts have used up a
 * turn's budget, further starts wait for later turns, one start per turn in arrival order, so
 * I/O is served between them. Starts within the budget go through at once: a chain of small
 * nodes pays one yield per budget, not one per node.
 */
export class TurnSlices {
  readonly #waiting: (() => void)[] = [];
  /** When the current slice began; a slice ends with the event-loop turn it began in. */
  #sliceStart = 0;
  #inSlice = false;
  #pumping = false;

  constructor(private readonly budgetMs = 4) {}

  /** Undefined while this turn's budget lasts (start now); else a promise resolved in a later turn. */
  enter(): Promise<void> | undefined {
    const now = performance.now();
    if (!this.#inSlice) this.#begin(now);
    if (!this.#waiting.length && now - this.#sliceStart < this.budgetMs) return undefined;
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#pump();
    });
  }

  #begin(now: number): void {
    this.#inSlice = true;
    this.#sliceStart = now;
    // An immediate set now runs at the end of this turn (or the next, from within the check
    // phase), after the I/O this turn polled: the slice is over by then.
    setImmediate(() => (this.#inSlice = false));
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    // One waiting start per turn: an immediate set from within an immediate runs in the next
    // turn, after that turn's I/O.
    const step = (): void => {
      const next = this.#waiting.shift();
      if (next) {
        this.#begin(performance.now());
        next();
      }
      if (this.#waiting.length) setImmediate(step);
      else this.#pumping = false;
    };
    setImmediate(step);
  }
}
