/**
 * The on-disk cache of onnxruntime's optimized models: a second cache (a second process, in
 * effect) creates the session from the saved file, with the same outputs; a built model is not
 * built again on a hit; a corrupt cache file is replaced, not fatal; an unwritable folder only
 * costs the saving.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionCache, type BuiltModel } from '../../sdk/early-exit/index.js';
import { fixturePack, maxAbsDiff } from '../packs/helpers.js';

const model = join(fixturePack('tiny-landscape'), 'reference.onnx');
const input = new ort.Tensor('float32', Float32Array.from({ length: 4 * 64 * 64 }, (_, i) => (i % 7 === 0 ? 1 : 0)), [1, 4, 64, 64]);
const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'exitgraph-ort-cache-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const run = async (cache: SessionCache, source: string | BuiltModel): Promise<Float32Array> => {
  const session = await cache.get(source, { device: 'cpu' });
  return (await session.run({ label_map: input }, ['image3'])).image3!.data as Float32Array;
};

describe('optimized model cache', () => {
  it('saves the optimized graph once; a later cache loads it and computes the same outputs', async () => {
    const dir = await tempDir();
    const first = new SessionCache({ optimizedModelDir: dir });
    const expected = await run(first, model);
    expect(first.optimizedHits).toBe(0);
    expect(await readdir(dir)).toHaveLength(1);
    const second = new SessionCache({ optimizedModelDir: dir });
    expect(maxAbsDiff(await run(second, model), expected)).toBeLessThan(1e-6);
    expect(second.optimizedHits).toBe(1);
    const plain = new SessionCache({ optimizedModelDir: false });
    expect(maxAbsDiff(await run(plain, model), expected)).toBeLessThan(1e-6);
    await Promise.all([first.clear(), second.clear(), plain.clear()]);
  });

  it('does not build a model it finds on disk', async () => {
    const dir = await tempDir();
    const { readFile } = await import('node:fs/promises');
    let builds = 0;
    const built: BuiltModel = { id: 'test-reference-v1', build: async () => (builds++, new Uint8Array(await readFile(model))) };
    const a = new SessionCache({ optimizedModelDir: dir });
    await run(a, built);
    const b = new SessionCache({ optimizedModelDir: dir });
    await run(b, built);
    expect(builds).toBe(1);
    expect(b.optimizedHits).toBe(1);
    await Promise.all([a.clear(), b.clear()]);
  });

  it('replaces a corrupt cache file and falls back when the folder cannot be written', async () => {
    const dir = await tempDir();
    const a = new SessionCache({ optimizedModelDir: dir });
    const expected = await run(a, model);
    const [file] = await readdir(dir);
    await writeFile(join(dir, file!), 'not an onnx model');
    const b = new SessionCache({ optimizedModelDir: dir });
    expect(maxAbsDiff(await run(b, model), expected)).toBeLessThan(1e-6);
    expect(b.optimizedHits).toBe(0);
    const blocked = join(dir, 'a-file');
    await writeFile(blocked, '');
    const c = new SessionCache({ optimizedModelDir: join(blocked, 'sub') });
    expect(maxAbsDiff(await run(c, model), expected)).toBeLessThan(1e-6);
    await Promise.all([a.clear(), b.clear(), c.clear()]);
  });
});
