import type { Command } from 'commander';
import type { Host, HostOptions } from '../../sdk/index.js';

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
export function hostFor(command: Command, extra: Omit<HostOptions, 'builtins' | 'plugins'> = {}): Promise<Host> {
  return hostWithPlugins(command.optsWithGlobals<GlobalOptions>().plugin ?? [], extra);
}

/** The default host with these --plugin packs, reporting broken ones on stderr (the rest load). */
export async function hostWithPlugins(plugins: readonly string[], extra: Omit<HostOptions, 'builtins' | 'plugins'> = {}): Promise<Host> {
  // Imported here, not at the top: the nodes pull in onnxruntime and sharp, and the CLI's
  // entry imports this file for its error types even when it only prints help.
  const { allowLocalPackPaths, createDefaultHost } = await import('./default-host.js');
  const host = await createDefaultHost({ ...extra, plugins: [...plugins] });
  for (const failed of host.plugins.failed) {
    process.stderr.write(`warning: plugin ${failed.name} not loaded: ${failed.error}\n`);
  }
  allowLocalPackPaths(host);
  return host;
}
