import { Option, type Command } from 'commander';
import { measureQuality, METRIC_INFO, QUALITY_METRICS, type QualityMetricName } from '../../../sdk/early-exit/index.js';
import { readImagePair } from '../../../sdk/early-exit/index.js';
import { LpipsWeightsError } from '../../../sdk/early-exit/index.js';
import { CliError, EXIT } from '../cli-host.js';
import { DEVICE_CHOICES, pickDevice } from '../device-option.js';
import { untilCtrlC } from '../interrupt.js';

interface MetricOptions {
  metric: QualityMetricName;
  weights?: string;
  device: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('metric')
    .description('Compare two images of one size: LPIPS distance, SSIM or PSNR; prints the value to 4 decimals')
    .argument('<a>', 'first image file (PNG, JPEG, WebP, ...; read as RGB, alpha dropped)')
    .argument('<b>', 'second image file, same size as <a>')
    .addOption(new Option('--metric <metric>', 'which metric').choices([...QUALITY_METRICS]).default('lpips-alex'))
    .option('--weights <dir>', 'LPIPS weights folder (default: $EXITGRAPH_WEIGHTS, then the shipped models/lpips)')
    .addOption(new Option('--device <device>', 'device for LPIPS (cpu is quickest for a single pair)').choices(DEVICE_CHOICES).default('cpu'))
    .option('--json', 'print {metric, value, a, b, width, height, device} as JSON')
    .addHelpText('after', '\nLPIPS: lower = closer (0 identical). SSIM: 1 identical. PSNR: dB, "inf" for identical images. See docs/metrics.md.')
    .action((pathA: string, pathB: string, options: MetricOptions) => untilCtrlC('the measurement', () => measure(pathA, pathB, options)));
}

async function measure(pathA: string, pathB: string, options: MetricOptions): Promise<void> {
  let images;
  try {
    images = await readImagePair(pathA, pathB);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.invalid);
  }
  const [a, b] = images;
  const lpips = options.metric.startsWith('lpips-');
  // cpu needs no probe: probing initialises every GPU provider, which takes seconds.
  const device = lpips && options.device !== 'cpu' ? (await pickDevice(options.device)).device : 'cpu';
  let value: number;
  try {
    value = await measureQuality(options.metric, a, b, { device, ...(options.weights ? { weightsDir: options.weights } : {}) });
  } catch (error) {
    if (error instanceof LpipsWeightsError) throw new CliError(error.message, EXIT.failed);
    throw error;
  }
  if (options.json) {
    const finite = Number.isFinite(value);
    const result = {
      metric: options.metric,
      value: finite ? value : null,
      ...(finite ? {} : { identical: true }),
      better: METRIC_INFO[options.metric].better,
      a: pathA,
      b: pathB,
      width: a.width,
      height: a.height,
      ...(lpips ? { device } : {}),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(`${Number.isFinite(value) ? value.toFixed(4) : 'inf'}\n`);
  }
}
