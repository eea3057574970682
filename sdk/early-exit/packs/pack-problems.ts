/**
 * Problems found in a model pack. Each names the file it is in and the manifest field that
 * leads there, so a pack author can fix it without reading exitgraph's source.
 */

export interface PackProblem {
  readonly severity: 'error' | 'warning';
  /** The file the problem is in (relative to the pack folder): `manifest.json`, `head1.onnx`, ... */
  readonly file: string;
  /** The manifest field involved: `exits[1].output`, `segments[0].inputs`, ... ('' when none). */
  readonly field: string;
  readonly message: string;
}

/** Collects the problems of one inspection, in the order they are found. */
export class PackProblemLog {
  readonly problems: PackProblem[] = [];

  error(file: string, field: string, message: string): void {
    this.problems.push({ severity: 'error', file, field, message });
  }

  warn(file: string, field: string, message: string): void {
    this.problems.push({ severity: 'warning', file, field, message });
  }
}

export function formatPackProblem(problem: PackProblem): string {
  return `${problem.file}${problem.field ? ` (${problem.field})` : ''}: ${problem.message}`;
}

/** Thrown by loadPack when a pack has errors; `problems` holds every one found, not just the first. */
export class PackLoadError extends Error {
  constructor(
    readonly packDir: string,
    readonly problems: readonly PackProblem[],
  ) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`model pack ${packDir} is not usable:\n${errors.map((p) => `  - ${formatPackProblem(p)}`).join('\n')}`);
    this.name = 'PackLoadError';
  }
}
