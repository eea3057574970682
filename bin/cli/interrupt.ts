import { CliError, EXIT } from './cli-host.js';

/** What a long command gets from Ctrl-C: a signal to pass down, and a way to stop listening. */
export interface CtrlC {
  readonly signal: AbortSignal;
  readonly dispose: () => void;
}

/**
 * The first Ctrl-C (SIGINT) says what is stopping and aborts `signal`; the handler then removes
 * itself, so a second Ctrl-C falls back to Node's default and ends the process at once.
 * `what` names the work: "the run", "the evaluation".
 */
export function listenForCtrlC(what: string): CtrlC {
  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write(`\ninterrupted: stopping ${what} (Ctrl-C again to force)\n`);
    process.off('SIGINT', onSigint);
    controller.abort('interrupted');
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/**
 * Runs `work` until it ends or Ctrl-C: on Ctrl-C the command ends with exit code 130 as soon as
 * the signal fires, whether or not `work` looks at it (work that does stops at its next check;
 * the rest is left to finish unobserved, writing nothing the command would have written after).
 */
export async function untilCtrlC<T>(what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctrlC = listenForCtrlC(what);
  const interrupted = new Promise<never>((_, reject) => {
    ctrlC.signal.addEventListener('abort', () => reject(new CliError('', EXIT.interrupted)), { once: true });
  });
  try {
    return await Promise.race([work(ctrlC.signal), interrupted]);
  } finally {
    ctrlC.dispose();
  }
}
