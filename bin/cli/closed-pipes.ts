/**
 * Output piped to a reader that stops early (`exitgraph nodes | head -1`) makes the next write
 * fail with EPIPE, which Node reports as an unhandled 'error' event with a stack trace. The
 * reader has all it wanted, so the command ends quietly, as `cat` or `ls` do.
 */
function endOnClosedPipe(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
}

/** Installs the handler on stdout and stderr once per process (main may run several times in tests). */
export function endQuietlyOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (!stream.listeners('error').includes(endOnClosedPipe)) stream.on('error', endOnClosedPipe);
  }
}
