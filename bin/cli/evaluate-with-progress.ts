import cliProgress from 'cli-progress';
import { evaluatePack, type EvaluatePackOptions, type PackEvaluation } from '../../sdk/early-exit/index.js';
import type { LoadedModelPack as LoadedPack } from '../../sdk/early-exit/index.js';

/** evaluatePack with a progress bar on stderr when it is a terminal, one line otherwise (neither in --json mode). */
export async function evaluateWithProgress(pack: LoadedPack | string, options: EvaluatePackOptions, quiet = false): Promise<PackEvaluation> {
  const bar = process.stderr.isTTY && !quiet ? new cliProgress.SingleBar({ format: ' evaluating {bar} {value}/{total} inputs', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : undefined;
  let started = false;
  try {
    return await evaluatePack(pack, {
      ...options,
      onProgress: (done, total) => {
        if (bar && !started) bar.start(total, 0);
        // Off a terminal, one line says the long part has begun (and that Ctrl-C stops it).
        else if (!bar && !started && !quiet) process.stderr.write(`evaluating ${total} inputs (Ctrl-C stops)\n`);
        started = true;
        bar?.update(done);
      },
    });
  } finally {
    bar?.stop();
  }
}
