import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { NATURAL_CLASS_COLORS, classColor, classColorFor, colorizeLabels, packageRoot } from '../../sdk/index.js';

const examples = join(packageRoot(), 'examples', 'label-maps');
const index = JSON.parse(readFileSync(join(examples, 'index.json'), 'utf8')) as { classes: string[]; palette: number[][]; maps: { file: string }[] };

describe('class colours', () => {
  it("colorizes the example label maps exactly as their shipped previews", async () => {
    for (const { file } of index.maps) {
      const labels = await sharp(join(examples, file)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      const preview = await sharp(join(examples, file.replace(/\.png$/, '.preview.png'))).removeAlpha().raw().toBuffer();
      const image = colorizeLabels({ width: labels.info.width, height: labels.info.height, ids: new Uint8Array(labels.data), classes: index.classes });
      const bytes = Buffer.from(Array.from(image.data, (v) => Math.round(v * 255)));
      expect(bytes.equals(preview), file).toBe(true);
    }
  });

  it('is the palette the examples list, by class name', () => {
    index.classes.forEach((name, id) => expect([...NATURAL_CLASS_COLORS[name]!]).toEqual(index.palette[id]));
  });

  it("prefers a pack's own colours, and gives unnamed classes distinct hues", () => {
    expect(classColorFor(0, ['sky'], [[1, 2, 3]])).toEqual([1, 2, 3]);
    expect(classColorFor(0, ['Sky '])).toEqual([135, 180, 235]);
    expect(classColorFor(3, ['a', 'b', 'c', 'd'])).toEqual(classColor(3).map((v) => Math.round(v * 255)));
  });
});
