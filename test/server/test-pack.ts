/**
 * A tiny node pack for the server and browser tests: solid colours, a saver, a slow node that
 * honours cancellation, one that always fails, one that previews. Built with the public SDK only.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createImage, definePack, defineNode, encodePng } from '../../sdk/index.js';

const byte = { type: 'integer', minimum: 0, maximum: 255, default: 0 } as const;

export const solid = defineNode({
  id: 'test/Solid',
  version: 1,
  title: 'Solid Colour',
  category: 'test',
  description: 'An image of one colour.',
  inputs: {},
  outputs: { image: { type: 'IMAGE' } },
  params: {
    type: 'object',
    properties: {
      width: { type: 'integer', minimum: 1, maximum: 512, default: 16 },
      height: { type: 'integer', minimum: 1, maximum: 512, default: 16 },
      r: byte,
      g: byte,
      b: byte,
    },
  },
  run: (_ctx, _inputs, p: { width: number; height: number; r: number; g: number; b: number }) => {
    const image = createImage(p.width, p.height, 3);
    for (let i = 0; i < p.width * p.height; i++) image.data.set([p.r / 255, p.g / 255, p.b / 255], i * 3);
    return { image };
  },
});

export const save = defineNode({
  id: 'test/Save',
  version: 1,
  title: 'Save (test)',
  category: 'test',
  description: 'Writes the image as <prefix>_<n>.png in the output folder.',
  inputs: { image: { type: 'IMAGE' } },
  outputs: {},
  params: { type: 'object', properties: { filename_prefix: { type: 'string', default: 'test', pattern: '^[\\w-]+$' } } },
  output: true,
  cacheable: false,
  run: async (ctx, inputs, p: { filename_prefix: string }) => {
    let n = 1;
    while (existsSync(ctx.workspace.resolveOutput(`${p.filename_prefix}_${n}.png`))) n++;
    const filename = `${p.filename_prefix}_${n}.png`;
    const path = ctx.workspace.resolveOutput(filename);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await encodePng(inputs.image));
    ctx.ui({ images: [{ filename, subfolder: '', type: 'output' }], macs: 1234, exit: 'exit2', saved: 0.5 });
    return {};
  },
});

export const slow = defineNode({
  id: 'test/Slow',
  version: 1,
  title: 'Slow',
  category: 'test',
  description: 'Passes the image through after `ms` milliseconds, reporting progress; stops when cancelled.',
  inputs: { image: { type: 'IMAGE' } },
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: { ms: { type: 'integer', minimum: 0, default: 200 }, steps: { type: 'integer', minimum: 1, default: 10 } } },
  cacheable: false,
  run: async (ctx, inputs, p: { ms: number; steps: number }) => {
    for (let step = 1; step <= p.steps; step++) {
      await sleep(p.ms / p.steps, undefined, { signal: ctx.signal });
      ctx.progress(step, p.steps);
    }
    return { image: inputs.image };
  },
});

export const fail = defineNode({
  id: 'test/Fail',
  version: 1,
  title: 'Fail',
  category: 'test',
  description: 'Always fails.',
  inputs: { image: { type: 'IMAGE' } },
  outputs: { image: { type: 'IMAGE' } },
  params: { type: 'object', properties: {} },
  cacheable: false,
  run: () => {
    throw new Error('failing on purpose');
  },
});

export const preview = defineNode({
  id: 'test/Preview',
  version: 1,
  title: 'Preview (test)',
  category: 'test',
  description: 'Shows the image on the node.',
  inputs: { image: { type: 'IMAGE' } },
  outputs: {},
  params: { type: 'object', properties: {} },
  output: true,
  cacheable: false,
  run: (ctx, inputs) => {
    ctx.preview(inputs.image);
    return {};
  },
});

export const testPack = definePack({ name: 'test-pack', nodes: [solid, save, slow, fail, preview] });
