import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackRunner, ROUTER_STREAMS } from '../../sdk/early-exit/index.js';
import type { Image } from '../../sdk/index.js';
import { createTestHost, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { makePng } from '../support/png-file.js';

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

function graph(router: Record<string, unknown> | undefined, generator: Record<string, unknown> = {}) {
  return {
    map: { class_type: 'exitgraph/LoadLabelMap', inputs: { path: writeMap() } },
    diff: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['map', 0], pack: PACK } },
    ...(router ? { sel: { class_type: 'exitgraph/ExitSelector', inputs: { difficulty: ['diff', 0], ...router } } } : {}),
    gen: { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: ['map', 0], ...(router ? { plan: ['sel', 0] } : {}), pack: PACK, ...generator } },
    out: { class_type: 'exitgraph/PreviewImage', inputs: { image: ['gen', 0] } },
  };
}

async function direct(exit: number): Promise<Image> {
  const map = (await box.run(graph(undefined), { targets: ['map'] })).values.get('map')!.label_map;
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

  it('names the pack when it cannot be found, and the culprit when the input does not fit', async () => {
    const missing = await box.run({ ...graph(undefined), diff: { class_type: 'exitgraph/DifficultyEstimator', inputs: { label_map: ['map', 0], pack: 'no-such-pack' } } }, { targets: ['diff'] });
    expect(missing.status).toBe('error');
    expect(missing.error?.message).toMatch(/no-such-pack/);
    const noInput = await box.run({ d: { class_type: 'exitgraph/DifficultyEstimator', inputs: { pack: PACK } } }, { targets: ['d'] });
    expect(noInput.error?.message).toMatch(/takes a label map: connect label_map/);
  });
});
