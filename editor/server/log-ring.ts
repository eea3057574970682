/** The server's latest log lines, kept for ComfyUI's `/internal/logs` (the newest `limit`). */
export class LogRing {
  readonly #lines: { t: string; m: string }[] = [];

  constructor(private readonly limit = 1000) {}

  add(message: string): void {
    this.#lines.push({ t: new Date().toISOString(), m: `${message}\n` });
    if (this.#lines.length > this.limit) this.#lines.splice(0, this.#lines.length - this.limit);
  }

  /** Entries as ComfyUI's `/internal/logs/raw` lists them: `{ t, m }`, oldest first. */
  get entries(): readonly { t: string; m: string }[] {
    return this.#lines;
  }

  get text(): string {
    return this.#lines.map((line) => line.m).join('');
  }
}
