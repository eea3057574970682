import { defineNode, type Image, type LabelMap } from '../../sdk/index.js';
import { PACK_RUNNERS, type Difficulty } from '../../sdk/early-exit/index.js';

export const difficultyEstimator = defineNode({
  id: 'exitgraph/DifficultyEstimator',
  version: 1,
  title: 'Difficulty Estimator',
  category: 'early-exit',
  description:
    "Runs a model pack's predictor on the model input: the predicted distance of every exit's output to the full model's output, with each exit's cost (MACs) and the pack's calibration set, for an Exit Selector. Works for any pack: give the label map to label-map packs, the image to image packs.",
  inputs: {
    label_map: { type: 'LABEL_MAP', optional: true, description: 'Input of label-map packs' },
    image: { type: 'IMAGE', optional: true, description: 'Input of image packs' },
  },
  outputs: { difficulty: { type: 'DIFFICULTY' } },
  params: {
    type: 'object',
    properties: { pack: { type: 'string', minLength: 1, default: 'landscape', description: 'Model pack: a name in the packs folders (models/packs, EXITGRAPH_PACKS); the CLI also takes a folder path' } },
  },
  run: async (ctx, inputs, params: { pack: string }) => {
    const runners = ctx.services.get(PACK_RUNNERS);
    const runner = await runners.runner(params.pack, ctx.device);
    const { manifest, costs } = runner.pack;
    const input: LabelMap | Image | undefined = manifest.input.kind === 'label_map' ? inputs.label_map : inputs.image;
    if (!input) throw new Error(`pack ${manifest.name} takes ${manifest.input.kind === 'label_map' ? 'a label map: connect label_map' : 'an image: connect image'}`);
    const prediction = await runner.predict(input);
    const latencyMs = runners.latencies(runner);
    const novelty = manifest.input.kind === 'label_map' ? await runners.novelty(runner, input as LabelMap) : undefined;
    const calibration = await runners.calibration(runner);
    const difficulty: Difficulty = {
      pack: manifest.name,
      metric: manifest.metric,
      exits: manifest.exits.map((exit, k) => ({ name: exit.name, predicted: prediction.distances[k]!, macs: costs.exits[k]!.macs })),
      predictorMacs: prediction.macs,
      ...(calibration ? { calibration } : {}),
      ...(latencyMs ? { latencyMs } : {}),
      ...(novelty ? { novelty } : {}),
    };
    ctx.ui({ predicted: prediction.distances, macs: prediction.macs, predictor_share: costs.predictor.share, ...(novelty ? { novelty_p: novelty.pValue, ...(novelty.samplingGap ? { sampling_gap: novelty.samplingGap.gap } : {}) } : {}) });
    return { difficulty };
  },
});
