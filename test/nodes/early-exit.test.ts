import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDITS, PACK_RUNNERS, PackRunner, ROUTER_STREAMS, distanceFor } from '../../sdk/early-exit/index.js';
import type { Image } from '../../sdk/index.js';
import { createTestHost, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { makePng } from '../support/png-file.js';
import { maxAbsDiff } from '../packs/helpers.js';

// Nodes name packs by name, looked up in the packs folders (here the fixtures').
process.env.EXITGRAPH_PACKS = fileURLToPath(new URL('../fixtures/packs', import.meta.url));
const PACK = 'tiny-landscape';
let box: TestHost;
beforeAll(async () => {
  box = await createTestHost({ builtins: builtinPacks });
});
afterAll(() => box.close());

/** A 64x64 map of the fixture's classes: sky above, water, grass, and a rock in the middle. */
function writeMap(): string {
  const samples: number[] = [];
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) samples.push(y < 20 ? 0 : y < 40 ? 1 : Math.hypot(x - 32, y - 50) < 8 ? 3 : 2);
  const file = join(box.workspace.inputDir, 'map.png');
  writeFileSync(file, makePng({ width: 64, height: 64, colorType: 0, samples, text: { classes: JSON.stringify(['sky', 'water', 'grass', 'rock']) } }));
  return 'map.png';
}

/** A 64x64 map that is all sky (where the untrained fixture's predictor is far off). */
function writeSky(): string {
  const file = join(box.workspace.inputDir, 'sky.png');
  writeFileSync(file, makePng({ width: 64, height: 64, colorType: 0, samples: new Array<number>(64 * 64).fill(0), text: { classes: JSON.stringify(['sky', 'water', 'grass', 'rock']) } }));
  return 'sky.png';
}

function graph(router: Record<string, unknown> | undefined, generator: Record<string, unknown> = {}, mapFile = writeMap()) {
  return {
    map: { class_type: 'exitgraph/LoadLabelMap', inputs: { path: mapFile } },
    diff: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['map', 0], pack: PACK } },
    ...(router ? { sel: { class_type: 'exitgraph/ExitSelector', inputs: { difficulty: ['diff', 0], ...router } } } : {}),
    gen: { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['map', 0], ...(router ? { plan: ['sel', 0] } : {}), pack: PACK, ...generator } },
    out: { class_type: 'exitgraph/PreviewImage', inputs: { image: ['gen', 0] } },
  };
}

async function direct(exit: number, mapFile = writeMap()): Promise<Image> {
  const map = (await box.run(graph(undefined, {}, mapFile), { targets: ['map'] })).values.get('map')!.label_map;
  const runner = await PackRunner.open(PACK, { device: 'cpu' });
  return (await runner.runExit(map as never, exit)).image;
}

describe('early-exit nodes on the tiny-landscape fixture', () => {
  it('label map -> difficulty -> exit selector -> generator takes the planned exit and reports it', async () => {
    box.services.get(ROUTER_STREAMS).reset();
    const result = await box.run(graph({ router: 'fixed', exit: 1 }), { targets: ['gen', 'diff', 'sel'] });
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('success');
    const difficulty = result.values.get('diff')!.difficulty as { exits: { predicted: number; macs: number }[]; predictorMacs: number };
    expect(difficulty.exits).toHaveLength(4);
    expect(difficulty.exits.every((e) => Number.isFinite(e.predicted))).toBe(true);
    expect(difficulty.exits.map((e) => e.macs)).toEqual([...difficulty.exits.map((e) => e.macs)].sort((a, b) => a - b));
    expect(difficulty.predictorMacs).toBeGreaterThan(0);
    expect(result.ui.gen).toMatchObject({ exit: 1, exit_name: expect.any(String) });
    expect(result.ui.gen!.saved as number).toBeGreaterThan(0);
    const image = result.values.get('gen')!.image as Image;
    expect(Array.from(image.data)).toEqual(Array.from((await direct(1)).data));
  });

  it('without a plan runs the full model', async () => {
    const result = await box.run(graph(undefined), { targets: ['gen'] });
    expect(result.status).toBe('success');
    expect(result.ui.gen).toMatchObject({ exit: 3, saved: 0 });
    expect(Array.from((result.values.get('gen')!.image as Image).data)).toEqual(Array.from((await direct(3)).data));
  });

  it('escalates past an exit whose prediction is within the margin of tau, equal to a direct run', async () => {
    // A margin wider than tau: every early exit is "too close", so the generator escalates to the end.
    const result = await box.run(graph({ router: 'fixed', exit: 0 }, { escalate_margin: 1e9 }), { targets: ['gen'] });
    expect(result.status).toBe('success');
    // The fixed router has no tau: no escalation without one.
    expect(result.ui.gen).toMatchObject({ exit: 0 });
    const escalated = await box.run(graph({ router: 'threshold', tau: 1 }, { escalate_margin: 2 }), { targets: ['gen'] });
    expect(escalated.ui.gen).toMatchObject({ exit: 3, escalated_to: expect.any(Array) });
    // The direct run is one merged session, the escalation goes segment by segment: equal up to
    // float rounding.
    const escalatedData = (escalated.values.get('gen')!.image as Image).data;
    const directData = (await direct(3)).data;
    expect(escalatedData.length).toBe(directData.length);
    expect(Math.max(...Array.from(escalatedData, (v, i) => Math.abs(v - directData[i]!)))).toBeLessThan(1e-5);
  });

  it('independent generators of one graph share a session run, each with its own lone-run pixels', async () => {
    // Four different maps (identical nodes would be computed once): the rock moves along.
    const files = [0, 1, 2, 3].map((i) => {
      const samples: number[] = [];
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) samples.push(y < 20 ? 0 : y < 40 ? 1 : Math.hypot(x - 12 - 12 * i, y - 50) < 8 ? 3 : 2);
      writeFileSync(join(box.workspace.inputDir, `rock${i}.png`), makePng({ width: 64, height: 64, colorType: 0, samples, text: { classes: JSON.stringify(['sky', 'water', 'grass', 'rock']) } }));
      return `rock${i}.png`;
    });
    const nodes = Object.fromEntries(
      files.flatMap((file, i) => [
        [`map${i}`, { class_type: 'exitgraph/LoadLabelMap', inputs: { path: file } }],
        [`gen${i}`, { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: [`map${i}`, 0], pack: PACK } }],
        [`out${i}`, { class_type: 'exitgraph/PreviewImage', inputs: { image: [`gen${i}`, 0] } }],
      ]),
    );
    const targets = files.map((_, i) => `gen${i}`);
    // The runner's turn is held until all four runs wait for it, so that they meet however slowly
    // this machine loads the maps (a coalescer never waits for company).
    const runner = await box.services.get(PACK_RUNNERS).runner(PACK, 'cpu');
    let release!: () => void;
    const held = runner.inTurn(undefined, () => new Promise<void>((resolve) => (release = resolve)));
    const running = box.run(nodes, { targets });
    for (let waited = 0; runner.waitingRuns() < files.length && waited < 20_000; waited += 10) await new Promise((tick) => setTimeout(tick, 10));
    const met = runner.waitingRuns();
    release();
    await held;
    const result = await running;
    expect(met).toBe(files.length);
    expect(result.status).toBe('success');
    const batches = targets.map((id) => (result.ui[id]!.batch as number | undefined) ?? 1);
    expect(batches).toEqual(files.map(() => files.length));
    for (const [i, file] of files.entries()) {
      const alone = await direct(3, file);
      const image = result.values.get(`gen${i}`)!.image as Image;
      expect(maxAbsDiff(image.data, alone.data)).toBeLessThan(1e-5);
    }
  });

  it('names the pack when it cannot be found, and the culprit when the input does not fit', async () => {
    const missing = await box.run({ ...graph(undefined), diff: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['map', 0], pack: 'no-such-pack' } } }, { targets: ['diff'] });
    expect(missing.status).toBe('error');
    expect(missing.error?.message).toMatch(/no-such-pack/);
    const noInput = await box.run({ d: { class_type: 'exitgraph/DifficultyEstimator', inputs: { pack: PACK } } }, { targets: ['d'] });
    expect(noInput.error?.message).toMatch(/takes a label map: connect label_map/);
  });

  // On the all-sky map the untrained fixture's risk router (conformal, alpha 0.9) at tau 0.1 takes
  // exit1, whose true L1 distance to the full output is above 0.1: every audited input is a violation.
  const risky = { router: 'risk', tau: 0.1, alpha: 0.9, method: 'conformal' };

  it('audits every round(1/fraction)-th input against the full model, its MACs counted', async () => {
    box.services.get(ROUTER_STREAMS).reset();
    box.services.get(AUDITS).reset();
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await box.run(graph({ ...risky, audit_fraction: 0.5 }, {}, writeSky()), { targets: ['gen', 'sel'] }));
    for (const r of runs) expect(r.status, String(r.error)).toBe('success');
    const audits = runs.map((r) => (r.ui.gen as { audit: Record<string, unknown> }).audit);
    expect(audits.map((a) => a.audited_input)).toEqual([false, true, false, true]);
    expect(audits.map((a) => a.audited)).toEqual([0, 1, 1, 2]);
    const trueDistance = (await (await distanceFor('l1', 'cpu'))([await direct(1, writeSky())], [await direct(3, writeSky())]))[0]!;
    expect(audits[1]).toMatchObject({ violation: true, violations: 1, rate: 1, tightened: false });
    expect(audits[1]!.distance as number).toBeCloseTo(trueDistance, 5);
    // The audited input paid for the full model on top of its exit (segments reused: less than
    // both from scratch), so it saved less than nothing; the others did not pay.
    const { costs } = (await PackRunner.open(PACK, { device: 'cpu' })).pack;
    const audited = runs[1]!.ui.gen as { exit: number; macs: number; saved: number };
    expect(audited.exit).toBe(1);
    expect(audited.macs).toBeGreaterThan(costs.full);
    expect(audited.macs).toBeLessThan(costs.full + costs.exits[1]!.macs);
    expect(audited.saved).toBeCloseTo(1 - audited.macs / costs.full, 10);
    expect(runs[0]!.ui.gen!.saved as number).toBeGreaterThan(0);
    // The output stays the chosen exit's.
    expect(Array.from((runs[1]!.values.get('gen')!.image as Image).data)).toEqual(Array.from((await direct(1, writeSky())).data));
    const [low, high] = audits[3]!.interval as [number, number];
    // 2 of 2: the exact lower bound is 0.025^(1/2) = 0.158.
    expect(low).toBeCloseTo(Math.sqrt(0.025), 6);
    expect(high).toBe(1);
    expect(runs[1]!.ui.sel!.reason).toMatch(/audit: 0\/0 audited over tau 0.1; this input is audited/);
  });

  it('tightens the router once the audited violation rate is confidently above alpha, and says so', async () => {
    box.services.get(ROUTER_STREAMS).reset();
    box.services.get(AUDITS).reset();
    let tightenedAt = -1;
    let last;
    for (let i = 1; i <= 45 && tightenedAt < 0; i++) {
      last = await box.run(graph({ ...risky, audit_fraction: 1, audit_step: 1 }, {}, writeSky()), { targets: ['gen', 'sel'] });
      expect(last.status, String(last.error)).toBe('success');
      if (/tightened/.test(String(last.ui.sel!.reason))) tightenedAt = i;
      else expect(last.ui.gen).toMatchObject({ exit: 1 });
    }
    // n violations in n audits: the 95% Clopper-Pearson lower bound is 0.025^(1/n), first above
    // 0.9 at n = 36 (0.8999 at 35), so the 37th plan is the first tightened one.
    expect(tightenedAt).toBe(37);
    expect(last!.ui.sel!.reason).toMatch(/tightened 1x by the audit \(predictions read \+1.000\): 36\/36 audited over tau 0.1, the rate's 95% interval was above alpha 0.9/);
    // Tightened by a whole step, every early exit reads too far: the full model, no violation.
    expect(last!.ui.gen).toMatchObject({ exit: 3, audit: { audited_input: true, violation: false, audited: 37, violations: 36, tightenings: 1, tightened: true } });
  });

  it('refuses an audit for a router without tau, naming the param', async () => {
    const result = await box.run(graph({ router: 'fixed', exit: 1, audit_fraction: 0.1 }), { targets: ['gen'] });
    expect(result.status).toBe('error');
    expect(String(result.error)).toMatch(/audit_fraction: router exitgraph\/fixed has no tau/);
  });
});
