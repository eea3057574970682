import { decodeLabelMap, defineNode, type LabelMap } from '../../sdk/index.js';

/** The classes of the shipped landscape packs (models/training), the painter's default palette. */
export const LANDSCAPE_CLASSES = ['sky', 'cloud', 'mountain', 'snow', 'rock', 'water', 'sand', 'grass', 'tree', 'flower'];

interface PaintedLabelMapParams {
  width: number;
  height: number;
  classes: string[];
  map: string;
}

/** Largest painting side, in pixels (the width and height params' maximum). */
const MAX_PAINTED_SIDE = 2048;

const DATA_URL = /^data:image\/png;base64,([A-Za-z0-9+/]+={0,2})$/;

export const paintedLabelMap = defineNode({
  id: 'exitgraph/PaintedLabelMap',
  version: 1,
  title: 'Painted Label Map',
  category: 'labels',
  description: 'A label map painted in the editor with brush, fill and a class palette. The painting is kept in the graph as a PNG data URL (greyscale, pixel value = class id); an empty painting is all class 0.',
  inputs: {},
  outputs: { label_map: { type: 'LABEL_MAP' } },
  params: {
    type: 'object',
    properties: {
      width: { type: 'integer', minimum: 1, maximum: MAX_PAINTED_SIDE, default: 128 },
      height: { type: 'integer', minimum: 1, maximum: MAX_PAINTED_SIDE, default: 128 },
      classes: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 256, default: LANDSCAPE_CLASSES, description: 'Class names by id' },
      map: { type: 'string', default: '', 'x-widget': 'label-map-painter', description: 'The painting: a PNG data URL (greyscale, pixel value = class id)' },
    },
  },
  run: async (_ctx, _inputs, params: PaintedLabelMapParams): Promise<{ label_map: LabelMap }> => {
    if (params.map === '') {
      return { label_map: { width: params.width, height: params.height, ids: new Uint8Array(params.width * params.height), classes: params.classes } };
    }
    const match = DATA_URL.exec(params.map);
    if (!match) throw new Error('param "map" must be a PNG data URL (data:image/png;base64,...)');
    // Never more pixels than the largest painting (2048x2048): a small data URL can announce far more.
    const map = await decodeLabelMap(Buffer.from(match[1]!, 'base64'), 'the painted label map', params.classes, { maxPixels: MAX_PAINTED_SIDE * MAX_PAINTED_SIDE });
    if (map.width !== params.width || map.height !== params.height) {
      throw new Error(`the painted label map is ${map.width}x${map.height} but width and height say ${params.width}x${params.height}; open the painter to resize it`);
    }
    return { label_map: map };
  },
});
