import { createHash } from 'node:crypto';
import { decodeLabelMap, defineNode } from '../../sdk/index.js';

interface LoadLabelMapParams {
  path: string;
  classes: string[];
}

export const loadLabelMap = defineNode({
  id: 'exitgraph/LoadLabelMap',
  version: 1,
  title: 'Load Label Map',
  category: 'labels',
  description: 'Reads a semantic label map: a greyscale PNG whose pixel values are class ids, or an indexed PNG whose palette indices are. Class names come from the "classes" param, else the PNG\'s "classes" text chunk (ids outside them are an error); without names the ids are used as they are (a model pack\'s class ids).',
  inputs: {},
  outputs: { label_map: { type: 'LABEL_MAP' } },
  params: {
    type: 'object',
    properties: {
      path: { type: 'string', minLength: 1, description: 'PNG path, relative to the input folder' },
      classes: { type: 'array', items: { type: 'string' }, default: [], description: 'Class names by id (empty: from the file)' },
    },
    required: ['path'],
  },
  fingerprint: async (params: LoadLabelMapParams, ctx) => {
    const bytes = await ctx.workspace.readInput(params.path).catch(() => undefined);
    return bytes ? createHash('sha256').update(bytes).digest('hex') : 'missing';
  },
  run: async (ctx, _inputs, params: LoadLabelMapParams) => {
    const bytes = await ctx.workspace.readInput(params.path).catch((error: Error) => {
      throw new Error(`cannot read label map ${params.path}: ${error.message.replace(/^cannot read input "[^"]*": /, '')}`);
    });
    return { label_map: await decodeLabelMap(bytes, params.path, params.classes) };
  },
});
