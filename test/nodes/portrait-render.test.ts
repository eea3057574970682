/**
 * The TypeScript portrait renderer against the pictures the training toolkit's render.py drew
 * (test/fixtures/portraits, written by exitgraph_training/faces/write_render_fixture.py): the
 * driver identity the Expression Editor draws with at the expressions a slider user reaches for,
 * and busy identities for the features the driver does not use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage, imageToBytes } from '../../sdk/index.js';
import { DRIVER_IDENTITY } from '../../nodes/faces/driver-identity.js';
import { EXPRESSION_PARAMS, neutralExpression, renderPortrait, type PortraitExpression, type PortraitIdentity } from '../../nodes/faces/portrait-render.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'portraits');
const fixture = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as {
  driver_identity: PortraitIdentity;
  cases: { name: string; file: string; identity: PortraitIdentity; expression: PortraitExpression }[];
};

/** Mean absolute difference per channel and the largest one, in levels of 255. */
function difference(a: Uint8Array, b: Uint8Array): { mean: number[]; max: number } {
  const sums = [0, 0, 0];
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sums[i % 3]! += d;
    max = Math.max(max, d);
  }
  return { mean: sums.map((s) => s / (a.length / 3)), max };
}

describe('the portrait renderer port', () => {
  it("holds the same driver identity as the fixture script (the Python's constants)", () => {
    expect(fixture.driver_identity).toEqual(DRIVER_IDENTITY);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('draws %s as render.py does', async (_name, c) => {
    const png = await decodeImage(readFileSync(join(fixtures, c.file)), c.file);
    expect([png.width, png.height, png.channels]).toEqual([128, 128, 3]);
    const ours = renderPortrait(c.identity, c.expression);
    const { mean, max } = difference(ours, imageToBytes(png));
    // float64 here against float32 there: a value near a rounding boundary may land one level off
    // (measured: at most 1 level, a mean of at most 0.002 levels per channel).
    for (const m of mean) expect(m).toBeLessThan(0.05);
    expect(max).toBeLessThanOrEqual(2);
  });

  it('is a pure function of identity and expression', () => {
    const expression = { ...neutralExpression(), smile: 0.7, yaw: 0.2 };
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
    expect(same(renderPortrait(DRIVER_IDENTITY, expression), renderPortrait(DRIVER_IDENTITY, { ...expression }))).toBe(true);
    expect(same(renderPortrait(DRIVER_IDENTITY, expression), renderPortrait(DRIVER_IDENTITY, neutralExpression()))).toBe(false);
    expect(EXPRESSION_PARAMS).toHaveLength(11);
  });

  it('names a style index out of its list', () => {
    expect(() => renderPortrait({ ...DRIVER_IDENTITY, hair_style: 9 }, neutralExpression())).toThrow(/hair_style must be an index 0\.\.5 \(short, medium, long, bangs, side_fringe, bald\), got 9/);
  });
});
