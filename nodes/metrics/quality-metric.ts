import { defineNode } from '../../sdk/index.js';
import { lpipsWeightsFingerprint, measureQuality, ONNX_SESSIONS, QUALITY_METRICS, type QualityMetricName } from '../../sdk/early-exit/index.js';

export const qualityMetric = defineNode({
  id: 'exitgraph/QualityMetric',
  version: 1,
  title: 'Quality Metric',
  category: 'metrics',
  description:
    'Compares two images of one size: LPIPS distance (alex or squeeze; lower = closer, needs the LPIPS weights folder, see docs/metrics.md), ' +
    'SSIM (1 = identical) or PSNR in dB (higher = closer). LPIPS runs on the run\'s device.',
  inputs: { a: { type: 'IMAGE' }, b: { type: 'IMAGE' } },
  outputs: { distance: { type: 'NUMBER', description: 'The metric value (LPIPS distance, SSIM or PSNR)' } },
  params: {
    type: 'object',
    properties: {
      metric: { type: 'string', enum: [...QUALITY_METRICS], default: 'lpips-alex', description: 'Which metric to compute' },
    },
  },
  // LPIPS results depend on the weight files, which live outside the graph.
  fingerprint: (params: { metric?: QualityMetricName }) => {
    const metric = params.metric ?? 'lpips-alex';
    if (!metric.startsWith('lpips-')) return metric;
    // Missing weights: `run` reports the error with every place it looked.
    return `${metric}:${lpipsWeightsFingerprint(metric === 'lpips-alex' ? 'alex' : 'squeeze') ?? 'no-weights'}`;
  },
  run: async (ctx, inputs, params: { metric?: QualityMetricName }) => {
    const metric = params.metric ?? 'lpips-alex';
    const device = ctx.device === 'webgpu' || ctx.device === 'cuda' ? ctx.device : 'cpu';
    // The host's sessions: on a server they run off the thread that answers requests.
    return { distance: await measureQuality(metric, inputs.a, inputs.b, { device, sessions: ctx.services.get(ONNX_SESSIONS) }) };
  },
});
