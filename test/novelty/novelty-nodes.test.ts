import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LabelMap } from '../../sdk/index.js';
import { inspectModelPack, type Difficulty, type ExitPlan } from '../../sdk/early-exit/index.js';
import { createTestHost, writeStubPack } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'exitgraph-novelty-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const CLASSES = ['sky', 'sea'];

/** A stub pack whose novelty maps are horizons (sky above, sea below) at various heights. */
function packWithNovelty(name: string): string {
  const dir = join(scratch, name);
  writeStubPack(dir, { predicted: [0.02, 0.01, 0], classes: CLASSES });
  const count = 120;
  const maps = new Uint8Array(count * 32 * 32);
  for (let i = 0; i < count; i++) for (let y = 0; y < 32; y++) maps.fill(y < 8 + (i % 16) ? 0 : 1, i * 1024 + y * 32, i * 1024 + (y + 1) * 32);
  writeFileSync(join(dir, 'novelty.u8'), maps);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, novelty: { file: 'novelty.u8', split: 'calibration', count, height: 32, width: 32 } }));
  return dir;
}

const horizon: LabelMap = { width: 16, height: 16, ids: new Uint8Array(256).map((_, i) => (i < 16 * 7 ? 0 : 1)), classes: CLASSES };
const checkerboard: LabelMap = { width: 16, height: 16, ids: new Uint8Array(256).map((_, i) => ((i % 16) + Math.floor(i / 16)) % 2), classes: CLASSES };

describe('novel inputs in a graph', () => {
  it('the estimator scores the input, and the selector sends a novel one to the full model saying why', async () => {
    const dir = packWithNovelty('stub');
    const host = await createTestHost({ builtins: builtinPacks });
    try {
      const plans: Record<string, ExitPlan> = {};
      for (const [name, map] of [['horizon', horizon], ['checkerboard', checkerboard]] as const) {
        const estimated = await host.runNode('exitgraph/DifficultyEstimator', { inputs: { label_map: map }, params: { pack: dir } });
        const difficulty = estimated.outputs!.difficulty as Difficulty;
        expect(difficulty.novelty?.n).toBe(120);
        const selected = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty }, params: { router: 'threshold', tau: 0.1 } });
        plans[name] = selected.outputs!.plan as ExitPlan;
      }
      expect(plans.horizon).toMatchObject({ exit: 0, novelty: { novel: false } });
      expect(plans.checkerboard).toMatchObject({ exit: 2, exitName: 'full', novelty: { novel: true, escalatedFrom: 0 } });
      expect(plans.checkerboard!.reason).toMatch(/^novel input: .*p 0\.008 < 0\.01.*the router had planned exit0/);

      // Trusted: routed like the rest; budget routers are not second-guessed.
      const estimated = await host.runNode('exitgraph/DifficultyEstimator', { inputs: { label_map: checkerboard }, params: { pack: dir } });
      const difficulty = estimated.outputs!.difficulty as Difficulty;
      const trusted = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty }, params: { router: 'threshold', tau: 0.1, novel_inputs: 'trust' } });
      expect(trusted.outputs!.plan).toMatchObject({ exit: 0, novelty: { novel: true } });
      const budget = await host.runNode('exitgraph/ExitSelector', { inputs: { difficulty }, params: { router: 'budget', budget: 0.5 } });
      expect((budget.outputs!.plan as ExitPlan).novelty).toBeUndefined();
    } finally {
      await host.close();
    }
  });

  it('pack inspection names a novelty file of the wrong size', async () => {
    const dir = packWithNovelty('short');
    writeFileSync(join(dir, 'novelty.u8'), new Uint8Array(100));
    const problems = (await inspectModelPack(dir)).problems.filter((p) => p.severity === 'error');
    expect(problems).toEqual([expect.objectContaining({ file: 'novelty.u8', field: 'novelty.file', message: 'is 100 bytes, expected 122880' })]);
  });
});
