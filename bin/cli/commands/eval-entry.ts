import type { Command } from 'commander';
import { ROUTERS } from '../../../sdk/early-exit/index.js';
import { hostWithPlugins } from '../cli-host.js';
import { register as registerEval } from './eval.js';

/**
 * `eval`'s flags and --help come from the routers of the host it runs against (plugin routers
 * included), so that host is built from the command line's --plugin values before commander
 * parses the arguments.
 */
export async function register(program: Command, argv: readonly string[]): Promise<void> {
  const host = await hostWithPlugins(pluginsIn(argv));
  registerEval(program, host.services.get(ROUTERS), host);
}

/** The --plugin values of an argument list, read before commander parses it. */
export function pluginsIn(argv: readonly string[]): string[] {
  const plugins: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--plugin') plugins.push(argv[++i] ?? '');
    else if (arg.startsWith('--plugin=')) plugins.push(arg.slice('--plugin='.length));
  }
  return plugins;
}
