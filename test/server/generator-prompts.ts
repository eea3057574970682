/** Prompts of many generator nodes on the shipped landscape pack, for interrupt tests and the load bench. */
import sharp from 'sharp';

/** A 128x128 painted label map (PNG data URL, pixel = class id): bands of classes, different per seed. */
export async function paintedMap(seed: number): Promise<string> {
  const ids = Buffer.alloc(128 * 128);
  for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) ids[y * 128 + x] = (Math.floor((y + seed * 7) / 16) + (x > 64 + (seed % 60) ? 1 : 0) + seed) % 10;
  const png = await sharp(ids, { raw: { width: 128, height: 128, channels: 1 } }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * `count` generators running the full model, each on its own label map (so none is served from
 * the output cache), each saved: nodes `m<i>` (map), `g<i>` (generator), `s<i>` (save).
 */
export async function generatorsPrompt(count: number, round = 0): Promise<Record<string, unknown>> {
  const prompt: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    prompt[`m${i}`] = { class_type: 'exitgraph/PaintedLabelMap', inputs: { map: await paintedMap(round * count + i) } };
    prompt[`g${i}`] = { class_type: 'exitgraph/SemanticMapGenerator', inputs: { label_map: [`m${i}`, 0], pack: 'landscape' } };
    prompt[`s${i}`] = { class_type: 'exitgraph/SaveImage', inputs: { image: [`g${i}`, 0], filename_prefix: 'generators/g' } };
  }
  return prompt;
}
