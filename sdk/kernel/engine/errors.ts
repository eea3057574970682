/** A node failed; carries which node and why, with the original error as `cause`. */
export class NodeRunError extends Error {
  constructor(
    readonly nodeId: string,
    readonly classType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`node ${nodeId} (${classType}) failed: ${message}`, options);
    this.name = 'NodeRunError';
  }
}

/** The run was cancelled through its AbortSignal. */
export class RunCancelledError extends Error {
  constructor(reason?: unknown) {
    super(`run cancelled${reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : ''}`);
    this.name = 'RunCancelledError';
  }
}

/** Text of an error's cause chain, for reports. */
export function describeCause(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown })?.cause;
  if (cause === undefined) return undefined;
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
