import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addPngText, createImage, encodePng, packageRoot, type Image, type LabelMap } from '../../sdk/index.js';
import { classColorFor } from '../../sdk/index.js';
import { createTestHost, firstNodeError, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';
import { makePng } from '../support/png-file.js';

let box: TestHost;
beforeEach(async () => {
  box = await createTestHost({ builtins: builtinPacks });
});
afterEach(() => box.close());

async function load(file: string, classes?: string[]) {
  const run = await box.run({ '1': { class_type: 'exitgraph/LoadLabelMap', inputs: { path: file, ...(classes ? { classes } : {}) } } }, { targets: ['1'] });
  return { run, map: run.values.get('1')?.label_map as LabelMap | undefined, error: firstNodeError(run.events) };
}

const PALETTE = [
  [200, 10, 10],
  [10, 200, 10],
  [10, 10, 200],
  [250, 250, 0],
] as const;

describe('LoadLabelMap', () => {
  it('reads a greyscale PNG: pixel value = class id, names from the classes param', async () => {
    writeFileSync(join(box.workspace.inputDir, 'grey.png'), makePng({ width: 3, height: 2, colorType: 0, samples: [0, 1, 2, 3, 2, 1] }));
    const { run, map } = await load('grey.png', ['sky', 'sea', 'sand', 'rock']);
    expect(run.status).toBe('success');
    expect([map!.width, map!.height]).toEqual([3, 2]);
    expect(Array.from(map!.ids)).toEqual([0, 1, 2, 3, 2, 1]);
    expect(map!.classes).toEqual(['sky', 'sea', 'sand', 'rock']);
  });

  it('leaves the map unnamed (ids as they are) when neither the param nor the file names them', async () => {
    writeFileSync(join(box.workspace.inputDir, 'grey.png'), makePng({ width: 2, height: 1, colorType: 0, samples: [0, 2] }));
    const { map } = await load('grey.png');
    expect(map!.classes).toEqual([]);
    expect(Array.from(map!.ids)).toEqual([0, 2]);
  });

  it('reads a greyscale map written by sharp (exitgraph writes them this way)', async () => {
    const ids = [0, 1, 1, 0];
    const png = await encodePng(createImage(2, 2, 1, Float32Array.from(ids, (v) => v / 255)), { classes: JSON.stringify(['bg', 'fg']) });
    writeFileSync(join(box.workspace.inputDir, 'sharp.png'), png);
    const { map } = await load('sharp.png');
    expect(Array.from(map!.ids)).toEqual(ids);
    expect(map!.classes).toEqual(['bg', 'fg']);
  });

  it('reads a palette PNG as palette indices, with class names from its tEXt "classes" chunk', async () => {
    const indices = [3, 1, 0, 2, 2, 3];
    const png = makePng({ width: 3, height: 2, colorType: 3, samples: indices, palette: PALETTE, text: { classes: JSON.stringify(['red', 'green', 'blue', 'yellow']) } });
    writeFileSync(join(box.workspace.inputDir, 'palette.png'), png);
    const { run, map } = await load('palette.png');
    expect(run.status).toBe('success');
    expect(Array.from(map!.ids)).toEqual(indices);
    expect(map!.classes).toEqual(['red', 'green', 'blue', 'yellow']);
  });

  it('prefers the classes param over the file\'s chunk', async () => {
    writeFileSync(join(box.workspace.inputDir, 'palette.png'), makePng({ width: 1, height: 1, colorType: 3, samples: [1], palette: PALETTE, text: { classes: '["a","b"]' } }));
    const { map } = await load('palette.png', ['x', 'y', 'z']);
    expect(map!.classes).toEqual(['x', 'y', 'z']);
  });

  it('accepts a greyscale map saved as RGB (all channels equal)', async () => {
    const png = addPngText(makePng({ width: 2, height: 1, colorType: 2, samples: [1, 1, 1, 0, 0, 0] }), { classes: '["a","b"]' });
    writeFileSync(join(box.workspace.inputDir, 'rgbgrey.png'), png);
    const { map } = await load('rgbgrey.png');
    expect(Array.from(map!.ids)).toEqual([1, 0]);
  });

  it('fails on ids outside the classes, naming the file, the id and where it is', async () => {
    writeFileSync(join(box.workspace.inputDir, 'labels.png'), makePng({ width: 3, height: 2, colorType: 0, samples: [0, 1, 2, 5, 4, 0] }));
    const { run, error } = await load('labels.png', ['a', 'b', 'c']);
    expect(run.status).toBe('error');
    expect(error).toMatchObject({
      nodeId: '1',
      classType: 'exitgraph/LoadLabelMap',
      message: 'labels.png: class id 5 at pixel (0, 1) is out of range: there are 3 classes (0-2); 2 pixels out of range',
    });
  });

  it('fails on palette indices beyond the classes named in the file', async () => {
    writeFileSync(join(box.workspace.inputDir, 'palette.png'), makePng({ width: 2, height: 1, colorType: 3, samples: [0, 3], palette: PALETTE, text: { classes: '["only", "two"]' } }));
    const { error } = await load('palette.png');
    expect(error!.message).toBe('palette.png: class id 3 at pixel (1, 0) is out of range: there are 2 classes (0-1); 1 pixel out of range');
  });

  it('refuses colour images, non-PNGs, bad class chunks and missing files with clear errors', async () => {
    writeFileSync(join(box.workspace.inputDir, 'colour.png'), makePng({ width: 1, height: 1, colorType: 2, samples: [1, 2, 3] }));
    expect((await load('colour.png')).error!.message).toBe('colour.png: a label map must be greyscale (pixel value = class id) or indexed colour, not 3-channel colour');

    writeFileSync(join(box.workspace.inputDir, 'fake.png'), 'not a png');
    expect((await load('fake.png')).error!.message).toBe('fake.png: a label map must be a PNG (greyscale ids or an indexed-colour palette)');

    writeFileSync(join(box.workspace.inputDir, 'badclasses.png'), makePng({ width: 1, height: 1, colorType: 0, samples: [0], text: { classes: '{"not": "a list"}' } }));
    expect((await load('badclasses.png')).error!.message).toBe('badclasses.png: tEXt "classes" must be a JSON array of class names');

    expect((await load('missing.png')).error!.message).toBe('cannot read label map missing.png: no such file');
  });

  it('loads the example label map', async () => {
    const file = join(packageRoot(), 'examples', 'inputs', 'simple-labels.png');
    const { run, map } = await load(file);
    expect(run.status).toBe('success');
    expect(map!.ids.length).toBe(map!.width * map!.height);
    expect(Math.max(...map!.ids)).toBeLessThan(map!.classes.length);
  });
});

describe('ColorizeLabelMap', () => {
  it('paints each class in its own stable colour', async () => {
    writeFileSync(join(box.workspace.inputDir, 'grey.png'), makePng({ width: 3, height: 1, colorType: 0, samples: [0, 2, 1] }));
    const run = await box.run(
      {
        '1': { class_type: 'exitgraph/LoadLabelMap', inputs: { path: 'grey.png', classes: ['a', 'b', 'c'] } },
        '2': { class_type: 'exitgraph/ColorizeLabelMap', inputs: { label_map: ['1', 0] } },
      },
      { targets: ['2'] },
    );
    const image = run.values.get('2')!.image as Image;
    expect([image.width, image.height, image.channels]).toEqual([3, 1, 3]);
    const pixel = (p: number) => Array.from(image.data.subarray(p * 3, p * 3 + 3));
    const classes = ['a', 'b', 'c'];
    [0, 2, 1].forEach((id, p) => classColorFor(id, classes).forEach((v, c) => expect(pixel(p)[c]).toBeCloseTo(v / 255, 5)));
    expect(new Set([0, 1, 2].map((id) => classColorFor(id, classes).join())).size).toBe(3);
  });
});
