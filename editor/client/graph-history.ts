/**
 * Undo and redo over whole-graph snapshots (litegraph has no undo): the editor records the
 * serialized graph after each change; a snapshot equal to the current one is not a step.
 * Bounded: the oldest steps fall off past `limit`.
 */
export class GraphHistory {
  #past: { key: string; state: string }[] = [];
  #future: { key: string; state: string }[] = [];

  /** `keyOf` says what counts as a change (e.g. ignoring sizes a run grew); it defaults to the state. */
  constructor(
    readonly limit = 100,
    private readonly keyOf: (state: string) => string = (state) => state,
  ) {}

  /** Starts over from `state` (a workflow loaded or cleared). */
  reset(state: string): void {
    this.#past = [{ key: this.keyOf(state), state }];
    this.#future = [];
  }

  /** Records the graph after a change; returns false when nothing changed. */
  record(state: string): boolean {
    const key = this.keyOf(state);
    const top = this.#past.at(-1);
    if (top?.key === key) {
      // Same graph for undo purposes: keep the newest details (sizes) without adding a step.
      this.#past[this.#past.length - 1] = { key, state };
      return false;
    }
    this.#past.push({ key, state });
    if (this.#past.length > this.limit + 1) this.#past.shift();
    this.#future = [];
    return true;
  }

  /** The state to go back to, or undefined at the oldest step. */
  undo(): string | undefined {
    if (this.#past.length < 2) return undefined;
    this.#future.push(this.#past.pop()!);
    return this.#past.at(-1)!.state;
  }

  /** The state undone last, or undefined when nothing was undone. */
  redo(): string | undefined {
    const next = this.#future.pop();
    if (!next) return undefined;
    this.#past.push(next);
    return next.state;
  }

  /** Key of the graph as it is now (compare with a saved one to tell unsaved changes). */
  get currentKey(): string | undefined {
    return this.#past.at(-1)?.key;
  }

  get canUndo(): boolean {
    return this.#past.length > 1;
  }

  get canRedo(): boolean {
    return this.#future.length > 0;
  }
}
