/**
 * The committed fixture packs are what test/fixtures/make-packs.ts makes: their ONNX files and
 * manifests are rebuilt in memory and compared byte for byte (calibration numbers come from
 * onnxruntime runs and may differ in the last digits between CPUs, so only their shape is checked).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFixturePack, FIXTURE_NAMES } from '../fixtures/fixture-packs.js';
import { fixturePack } from './helpers.js';

describe.each(FIXTURE_NAMES)('fixture pack %s', (name) => {
  it('is reproduced by the fixture script', async () => {
    const built = buildFixturePack(name);
    const dir = fixturePack(name);
    const committed = (await readdir(dir)).filter((f) => f.endsWith('.onnx')).sort();
    expect(committed).toEqual([...built.files.keys()].sort());
    for (const [file, bytes] of built.files) expect(Buffer.compare(await readFile(join(dir, file)), Buffer.from(bytes)), file).toBe(0);
    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toBe(`${JSON.stringify(built.manifest, null, 2)}\n`);
  });
});
