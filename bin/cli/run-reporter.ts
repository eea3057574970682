import type cliProgress from 'cli-progress';
import type { RunEvent } from '../../sdk/index.js';

/**
 * Shows a run: a progress bar on a terminal, one line per node otherwise (CI logs, pipes).
 * Errors always go to stderr as lines.
 */
export async function createRunReporter(options: { tty: boolean; quiet?: boolean }): Promise<{ onEvent: (event: RunEvent) => void; stop: () => void }> {
  // The progress bar's package loads only for a terminal: logs and pipes get lines.
  const progress = options.tty && !options.quiet ? (await import('cli-progress')).default : undefined;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let finished = 0;
  const line = (text: string): void => {
    if (options.quiet) return;
    if (bar) bar.update(finished, { node: text });
    else process.stdout.write(`${text}\n`);
  };
  const onEvent = (event: RunEvent): void => {
    switch (event.type) {
      case 'run:start':
        total = event.nodes.length;
        if (progress) {
          bar = new progress.SingleBar({ format: ' {bar} {value}/{total} nodes | {node}', hideCursor: true, clearOnComplete: true }, progress.Presets.shades_classic);
          bar.start(total, 0, { node: `device ${event.device}` });
        } else {
          line(`run ${event.runId}: ${total} node${total === 1 ? '' : 's'} on ${event.device}`);
        }
        break;
      case 'node:start':
        line(`node ${event.nodeId} (${event.classType}) started`);
        break;
      case 'node:progress':
        if (bar) bar.update(finished, { node: `node ${event.nodeId} ${event.done}/${event.total}` });
        break;
      case 'node:cached':
        finished += 1;
        line(`node ${event.nodeId} (${event.classType}) cached${exitTaken(event.ui)}`);
        break;
      case 'node:done': {
        finished += 1;
        const files = ((event.ui?.images as { filename: string; subfolder: string }[] | undefined) ?? []).map((f) => (f.subfolder ? `${f.subfolder}/${f.filename}` : f.filename));
        line(`node ${event.nodeId} (${event.classType}) done in ${event.ms.toFixed(1)} ms${exitTaken(event.ui)}${files.length ? ` -> ${files.join(', ')}` : ''}`);
        break;
      }
      case 'node:log':
        if (event.level === 'warn' || !options.quiet) process.stderr.write(`node ${event.nodeId}: ${event.message}\n`);
        break;
      case 'node:error':
        bar?.stop();
        bar = undefined;
        process.stderr.write(`error: node ${event.nodeId} (${event.classType}): ${event.message}\n${event.cause ? `  cause: ${event.cause}\n` : ''}`);
        break;
      case 'run:end':
        bar?.update(finished);
        bar?.stop();
        bar = undefined;
        break;
      default:
        break;
    }
  };
  return { onEvent, stop: () => bar?.stop() };
}

/** Frames per exit as Save Frames reports them (`exits`), e.g. "exit0 x19, exit1 x41". */
export function framesPerExit(exits: Readonly<Record<string, number>>): string {
  return Object.entries(exits).map(([exit, frames]) => `${exit} x${frames}`).join(', ');
}

/**
 * What a generator node reports in its ui payload (`exit`, `exit_name`, `saved`): the exit it
 * took and the share of the full model's compute saved, e.g. ", took exit1 (85.6% of the MACs saved)".
 */
export function exitTaken(ui: Readonly<Record<string, unknown>> | undefined): string {
  // A frame sink (Save Frames): frames per exit and the mean saving over the sequence.
  if (ui?.exits && typeof ui.exits === 'object' && typeof ui.saved === 'number') {
    return `, frames took ${framesPerExit(ui.exits as Record<string, number>)} (${(ui.saved * 100).toFixed(1)}% of the MACs saved)`;
  }
  if (typeof ui?.exit_name !== 'string' || typeof ui.saved !== 'number') return '';
  const escalated = Array.isArray(ui.escalated_to) && ui.escalated_to.length ? ` (escalated to ${ui.escalated_to.join(', ')})` : '';
  return `, took ${ui.exit_name}${escalated} (${(ui.saved * 100).toFixed(1)}% of the MACs saved)`;
}
