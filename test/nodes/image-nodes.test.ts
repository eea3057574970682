import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  OutputCache,
  createImage,
  decodeImage,
  imageToBytes,
  packageRoot,
  parseApiPrompt,
  readImageFile,
  readPngText,
  toWorkflow,
  writePng,
  type Image,
} from '../../sdk/index.js';
import { createTestHost, firstNodeError, type TestHost } from '../../sdk/testing/index.js';
import { builtinPacks } from '../../nodes/index.js';

let box: TestHost;
beforeEach(async () => {
  box = await createTestHost({ builtins: builtinPacks });
});
afterEach(() => box.close());

/** Writes an image (values given as 0-255 bytes) into the test host's input folder. */
async function input(name: string, width: number, height: number, channels: Image['channels'], bytes: number[]): Promise<void> {
  const image = createImage(width, height, channels, Float32Array.from(bytes, (b) => b / 255));
  await writePng(image, join(box.workspace.inputDir, name));
}

const bytesOf = (image: unknown) => Array.from(imageToBytes(image as Image));

describe('LoadImage', () => {
  it('reads a PNG relative to the input folder, keeping its size and pixels', async () => {
    await input('rgb.png', 2, 1, 3, [255, 0, 0, 0, 128, 255]);
    const run = await box.run({ '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'rgb.png' } } }, { targets: ['1'] });
    expect(run.status).toBe('success');
    const image = run.values.get('1')!.image as Image;
    expect([image.width, image.height, image.channels]).toEqual([2, 1, 3]);
    expect(bytesOf(image)).toEqual([255, 0, 0, 0, 128, 255]);
  });

  it('keeps alpha as RGBA and greyscale as one channel', async () => {
    await input('rgba.png', 1, 1, 4, [10, 20, 30, 40]);
    await input('grey.png', 2, 1, 1, [0, 200]);
    const run = await box.run(
      { '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'rgba.png' } }, '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'grey.png' } } },
      { targets: ['1', '2'] },
    );
    expect(bytesOf(run.values.get('1')!.image)).toEqual([10, 20, 30, 40]);
    const grey = run.values.get('2')!.image as Image;
    expect(grey.channels).toBe(1);
    expect(bytesOf(grey)).toEqual([0, 200]);
  });

  it('fails the run naming the node and the missing file', async () => {
    const run = await box.run({
      '4': { class_type: 'exitgraph/LoadImage', inputs: { image: 'nope.png' } },
      '5': { class_type: 'exitgraph/SaveImage', inputs: { image: ['4', 0] } },
    });
    expect(run.status).toBe('error');
    expect(firstNodeError(run.events)).toMatchObject({ nodeId: '4', classType: 'exitgraph/LoadImage', message: 'cannot read image nope.png: no such file' });
  });

  it('reports a file that is not an image', async () => {
    writeFileSync(join(box.workspace.inputDir, 'text.png'), 'hello');
    const run = await box.run({ '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'text.png' } } }, { targets: ['1'] });
    expect(firstNodeError(run.events)!.message).toContain('could not be decoded as an image');
  });

  it('is re-read when the file changes, though the graph does not (fingerprint)', async () => {
    const cache = new OutputCache();
    const graph = { '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' } } };
    await input('in.png', 1, 1, 3, [1, 2, 3]);
    expect((await box.run(graph, { cache, targets: ['1'] })).executed).toEqual(['1']);
    expect((await box.run(graph, { cache, targets: ['1'] })).cached).toEqual(['1']);
    await input('in.png', 1, 1, 3, [4, 5, 6]);
    const changed = await box.run(graph, { cache, targets: ['1'] });
    expect(changed.executed).toEqual(['1']);
    expect(bytesOf(changed.values.get('1')!.image)).toEqual([4, 5, 6]);
  });
});

describe('SaveImage', () => {
  const prompt = {
    '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' }, _meta: { title: 'Café ☕' } },
    '2': { class_type: 'exitgraph/SaveImage', inputs: { image: ['1', 0], filename_prefix: 'shot' } },
  };

  it('writes a lossless PNG with the graph embedded as tEXt "prompt", numbering files', async () => {
    await input('in.png', 2, 2, 3, [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const first = await box.run(prompt);
    expect(first.status).toBe('success');
    expect(first.ui['2']).toEqual({ images: [{ filename: 'shot_00001_.png', subfolder: '', type: 'output' }] });
    const done = first.events.find((e) => e.type === 'node:done' && e.nodeId === '2');
    expect(done).toMatchObject({ ui: { images: [{ filename: 'shot_00001_.png' }] } });
    const bytes = readFileSync(join(box.workspace.outputDir, 'shot_00001_.png'));
    expect(bytesOf(await decodeImage(bytes, 'shot'))).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);

    const text = readPngText(bytes);
    expect(Object.keys(text)).toEqual(['prompt']);
    // Pinned versions, params by name, non-ASCII titles survive the Latin-1 chunk.
    expect(JSON.parse(text.prompt!)).toEqual({
      '1': { class_type: 'exitgraph/LoadImage@1', inputs: { image: 'in.png' }, _meta: { title: 'Café ☕' } },
      '2': { class_type: 'exitgraph/SaveImage@1', inputs: { image: ['1', 0], filename_prefix: 'shot' } },
    });
    expect(text.prompt).toMatch(/^[\x00-\x7f]*$/);

    const second = await box.run(prompt);
    expect(second.ui['2']).toEqual({ images: [{ filename: 'shot_00002_.png', subfolder: '', type: 'output' }] });
    expect(existsSync(join(box.workspace.outputDir, 'shot_00001_.png'))).toBe(true);
  });

  it('also embeds the editor workflow when the graph came from one', async () => {
    await input('in.png', 1, 1, 3, [9, 9, 9]);
    const workflow = toWorkflow(parseApiPrompt(prompt).graph, box.registry);
    const run = await box.run(workflow);
    expect(run.status).toBe('success');
    const text = readPngText(readFileSync(join(box.workspace.outputDir, 'shot_00001_.png')));
    expect(JSON.parse(text.workflow!)).toEqual(workflow);
    expect(JSON.parse(text.prompt!)['2'].class_type).toBe('exitgraph/SaveImage@1');
  });

  it('writes into sub-folders of the output folder, and refuses to leave it', async () => {
    await input('in.png', 1, 1, 3, [9, 9, 9]);
    const nested = await box.run({ ...prompt, '2': { class_type: 'exitgraph/SaveImage', inputs: { image: ['1', 0], filename_prefix: 'a/b/pic' } } });
    expect(nested.ui['2']).toEqual({ images: [{ filename: 'pic_00001_.png', subfolder: join('a', 'b'), type: 'output' }] });
    expect(existsSync(join(box.workspace.outputDir, 'a', 'b', 'pic_00001_.png'))).toBe(true);

    const escape = await box.run({ ...prompt, '2': { class_type: 'exitgraph/SaveImage', inputs: { image: ['1', 0], filename_prefix: '../escaped' } } });
    expect(escape.status).toBe('error');
    expect(firstNodeError(escape.events)).toMatchObject({ nodeId: '2', message: expect.stringContaining('outside the workspace') });
    expect(existsSync(join(box.workspace.inputDir, 'escaped_00001_.png'))).toBe(false);
  });
});

describe('PreviewImage', () => {
  it('sends the image as a preview event and writes it under previews/', async () => {
    await input('in.png', 1, 1, 3, [1, 2, 3]);
    const run = await box.run({
      '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' } },
      '2': { class_type: 'exitgraph/PreviewImage', inputs: { image: ['1', 0] } },
    });
    expect(run.status).toBe('success');
    const preview = run.events.find((e) => e.type === 'node:preview');
    expect(preview).toMatchObject({ nodeId: '2' });
    expect(bytesOf((preview as { image: Image }).image)).toEqual([1, 2, 3]);
    expect(run.ui['2']).toEqual({ images: [{ filename: 'preview_00001_.png', subfolder: 'previews', type: 'output' }] });
    expect(existsSync(join(box.workspace.outputDir, 'previews', 'preview_00001_.png'))).toBe(true);
  });
});

describe('ImageResize', () => {
  it('scales to the exact size asked (nearest keeps pixel values)', async () => {
    await input('in.png', 2, 1, 3, [255, 0, 0, 0, 0, 255]);
    const run = await box.run(
      {
        '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' } },
        '2': { class_type: 'exitgraph/ImageResize', inputs: { image: ['1', 0], width: 4, height: 3, method: 'nearest' } },
      },
      { targets: ['2'] },
    );
    const image = run.values.get('2')!.image as Image;
    expect([image.width, image.height, image.channels]).toEqual([4, 3, 3]);
    const row = [255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255];
    expect(bytesOf(image)).toEqual([...row, ...row, ...row]);
  });

  it('defaults to 512x512 lanczos3 and refuses sizes outside its schema', async () => {
    await input('in.png', 3, 3, 3, new Array(27).fill(100));
    const run = await box.run({ '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' } }, '2': { class_type: 'exitgraph/ImageResize', inputs: { image: ['1', 0] } } }, { targets: ['2'] });
    const image = run.values.get('2')!.image as Image;
    expect([image.width, image.height]).toEqual([512, 512]);
    const bad = await box.run({
      '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' } },
      '2': { class_type: 'exitgraph/ImageResize', inputs: { image: ['1', 0], width: 0, height: 9000, method: 'bilinear' } },
    });
    expect(bad.problems.map((p) => [p.kind, p.nodeId, p.field])).toEqual([
      ['invalid_param', '2', 'width'],
      ['invalid_param', '2', 'height'],
      ['invalid_param', '2', 'method'],
    ]);
  });
});

describe('ImageCrop', () => {
  const grid = Array.from({ length: 4 * 3 }, (_, i) => i * 10); // 4x3 grey, value = 10 * index

  it('cuts the rectangle asked for', async () => {
    await input('in.png', 4, 3, 1, grid);
    const run = await box.run(
      {
        '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' } },
        '2': { class_type: 'exitgraph/ImageCrop', inputs: { image: ['1', 0], x: 1, y: 1, width: 3, height: 2 } },
      },
      { targets: ['2'] },
    );
    const image = run.values.get('2')!.image as Image;
    expect([image.width, image.height, image.channels]).toEqual([3, 2, 1]);
    expect(bytesOf(image)).toEqual([50, 60, 70, 90, 100, 110]);
  });

  it('fails when the rectangle does not fit in the image', async () => {
    await input('in.png', 4, 3, 1, grid);
    const run = await box.run(
      {
        '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'in.png' } },
        '2': { class_type: 'exitgraph/ImageCrop', inputs: { image: ['1', 0], x: 2, y: 0, width: 3, height: 3 } },
      },
      { targets: ['2'] },
    );
    expect(run.status).toBe('error');
    expect(firstNodeError(run.events)).toMatchObject({ nodeId: '2', classType: 'exitgraph/ImageCrop', message: 'crop 3x3 at (2, 0) does not fit in the 4x3 image' });
  });
});

describe('ImageBlend', () => {
  const blend = (mode: string, factor = 0.5) => ({
    '1': { class_type: 'exitgraph/LoadImage', inputs: { image: 'a.png' } },
    '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'b.png' } },
    '3': { class_type: 'exitgraph/ImageBlend', inputs: { a: ['1', 0], b: ['2', 0], mode, factor } },
  });

  it('mixes b over a with each mode: a + factor * (mode(a, b) - a)', async () => {
    await input('a.png', 1, 1, 1, [51]); // 0.2
    await input('b.png', 1, 1, 1, [153]); // 0.6
    const expected: Record<string, number> = { normal: 0.4, multiply: 0.16, screen: 0.44, difference: 0.3 };
    for (const [mode, value] of Object.entries(expected)) {
      const run = await box.run(blend(mode), { targets: ['3'] });
      const image = run.values.get('3')!.image as Image;
      expect(image.channels, mode).toBe(1);
      expect(image.data[0], mode).toBeCloseTo(value, 5);
    }
    const none = await box.run(blend('normal', 0), { targets: ['3'] });
    expect((none.values.get('3')!.image as Image).data[0]).toBeCloseTo(0.2, 5);
  });

  it('mixes grey with colour into colour', async () => {
    await input('a.png', 1, 1, 1, [0]);
    await input('b.png', 1, 1, 3, [255, 0, 255]);
    const run = await box.run(blend('normal', 1), { targets: ['3'] });
    const image = run.values.get('3')!.image as Image;
    expect(image.channels).toBe(3);
    expect(bytesOf(image)).toEqual([255, 0, 255]);
  });

  it('fails when the sizes differ', async () => {
    await input('a.png', 2, 2, 3, new Array(12).fill(0));
    await input('b.png', 3, 2, 3, new Array(18).fill(0));
    const run = await box.run(blend('normal'), { targets: ['3'] });
    expect(run.status).toBe('error');
    expect(firstNodeError(run.events)).toMatchObject({ nodeId: '3', message: 'cannot blend a 2x2 image with a 3x2 one; resize one first' });
  });

  it('refuses a factor outside [0, 1] and an unknown mode before running', async () => {
    const run = await box.run(blend('overlay', 1.5));
    expect(run.problems.map((p) => [p.kind, p.field])).toEqual([
      ['invalid_param', 'factor'],
      ['invalid_param', 'mode'],
    ]);
  });
});

describe('SwitchImage', () => {
  it('runs only the branch the condition picks', async () => {
    await input('real.png', 1, 1, 3, [7, 8, 9]);
    for (const condition of [true, false]) {
      const run = await box.run(
        {
          '1': { class_type: 'exitgraph/Boolean', inputs: { value: condition } },
          // Would fail if it ran: the file does not exist.
          '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'missing.png' } },
          '3': { class_type: 'exitgraph/LoadImage', inputs: { image: 'real.png' } },
          '4': { class_type: 'exitgraph/SwitchImage', inputs: { condition: ['1', 0], on_true: condition ? ['3', 0] : ['2', 0], on_false: condition ? ['2', 0] : ['3', 0] } },
        },
        { targets: ['4'] },
      );
      expect(run.status, String(condition)).toBe('success');
      expect(bytesOf(run.values.get('4')!.image)).toEqual([7, 8, 9]);
      expect([...run.executed].sort()).toEqual(['1', '3', '4']);
    }
  });

  it('takes the condition as a literal too', async () => {
    await input('real.png', 1, 1, 3, [7, 8, 9]);
    const run = await box.run(
      {
        '2': { class_type: 'exitgraph/LoadImage', inputs: { image: 'missing.png' } },
        '3': { class_type: 'exitgraph/LoadImage', inputs: { image: 'real.png' } },
        '4': { class_type: 'exitgraph/SwitchImage', inputs: { condition: false, on_true: ['2', 0], on_false: ['3', 0] } },
      },
      { targets: ['4'] },
    );
    expect(run.status).toBe('success');
    expect(run.executed).not.toContain('2');
  });
});

describe('the shipped example inputs', () => {
  it('decode to the sizes the example graphs expect', async () => {
    const inputs = join(packageRoot(), 'examples', 'inputs');
    for (const name of ['sunset.png', 'stripes.png']) {
      const image = await readImageFile(join(inputs, name));
      const meta = await sharp(join(inputs, name)).metadata();
      expect([image.width, image.height]).toEqual([meta.width, meta.height]);
    }
  });
});
