/**
 * The CLI imports only the modules of the commands named on its command line and lists the rest
 * from a table in bin/cli/main.ts: that table must say what the real registrations say.
 */
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMANDS } from '../../bin/cli/main.js';

describe('lazy command loading', () => {
  it('lists every command in the top-level help exactly as the real registrations would', async () => {
    const lazy = await buildProgram([]);
    const full = await buildProgram([], 'all');
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    expect(COMMANDS.map((c) => c.name)).toEqual(full.commands.map((c) => c.name()));
  });

  it('registers the commands named on the command line for real (their options and sub-commands)', async () => {
    const program = await buildProgram(['--plugin', 'x', 'pack', 'inspect', 'landscape']);
    const pack = program.commands.find((c) => c.name() === 'pack')!;
    expect(pack.commands.map((c) => c.name())).toContain('inspect');
    const run = program.commands.find((c) => c.name() === 'run')!;
    expect(run.options).toHaveLength(0);
    const help = await buildProgram(['help', 'run']);
    expect(help.commands.find((c) => c.name() === 'run')!.options.map((o) => o.long)).toContain('--device');
  });
});
