import type { Command } from 'commander';
import type { Host, HostOptions } from '../../sdk/index.js';
import { PACK_RUNNERS } from '../../sdk/early-exit/index.js';
import { createDefaultHost } from './default-host.js';

/** Options every command that loads nodes shares (declared on the root program). */
export interface GlobalOptions {
  plugin?: string[];
  quiet?: boolean;
}

/** Exit codes: 0 ok, 1 the run failed, 2 invalid graph or arguments, 130 interrupted (Ctrl-C). */
export const EXIT = { ok: 0, failed: 1, invalid: 2, interrupted: 130 } as const;

/** An error that ends the command with a given exit code and only its message (no stack). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.invalid) {
    super(message);
    this.name = 'CliError';
  }
}

/** Builds the host for a command, reporting broken plugin packs on stderr (the rest load). */
export async function hostFor(command: Command, extra: Omit<HostOptions, 'builtins' | 'plugins'> = {}): Promise<Host> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const host = await createDefaultHost({ ...extra, plugins: options.plugin ?? [] });
  for (const failed of host.plugins.failed) {
    process.stderr.write(`warning: plugin ${failed.name} not loaded: ${failed.error}\n`);
  }
  // Local use: a graph run from the command line may name a pack by folder path too (the
  // server accepts pack names only).
  host.services.get(PACK_RUNNERS).allowPackPaths(true);
  return host;
}
