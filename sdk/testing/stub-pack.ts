import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxGraphBuilder, PACK_FORMAT, normalizeManifest, type CalibrationData, type PackManifest } from '../early-exit/index.js';
import { fixedWeights, writeMultiInputStubPack } from './stub-pack-v2.js';

/** The shape and behaviour of a stub model pack. */
export interface StubPackOptions {
  /** Pack name (manifest `name`). Default `stub`. */
  readonly name?: string;
  /** Input kind: a label map (one-hot classes) or an RGB image. Default `label_map`. */
  readonly input?: 'label_map' | 'image';
  /** label_map only: class names. Default `['a', 'b']`. */
  readonly classes?: readonly string[];
  /** Input and output side in pixels. Default 16. */
  readonly size?: number;
  /**
   * What the predictor says for every input, one distance per exit; its length is the number of
   * exits (the last is the full model). Default `[0.3, 0.1, 0]`.
   */
  readonly predicted?: readonly number[];
  /**
   * Calibration rows of measured distances per exit (one row per held-out input); each row's
   * predicted distances are `predicted`. Default: 8 rows equal to `predicted`.
   */
  readonly measured?: readonly (readonly number[])[];
  /**
   * Names of several image inputs (e.g. `['source', 'driving']`): writes an `exitgraph.pack/2`
   * pack laid out as a reenactment pack is: a stage encoding the first input, segment 0 reading
   * that encoding and the other inputs, a head per segment, a predictor reading every input, and
   * `reference.onnx` (every step in one graph, same weights). `input` and `classes` are ignored.
   */
  readonly inputs?: readonly string[];
  /** With `inputs`: mark the stage `cache: per_input` (default true). */
  readonly stageCache?: boolean;
  /** With `inputs`: also write a `test` split of this many input sets with ground truth. */
  readonly splitCount?: number;
}

const FEATURES = 4;

/**
 * Writes a tiny, valid model pack into `dir` (created if needed) and returns its manifest: one
 * convolution segment per exit, a head per exit (3x3 conv + tanh, so each exit gives a different
 * image), and a predictor that returns `predicted` whatever the input, so that routers and
 * early-exit nodes can be tested with known difficulties. Weights are fixed, so outputs are
 * reproducible; MACs grow with each exit. It loads with `loadModelPack`, runs on any device and
 * passes `exitgraph pack inspect`. It is not trained: only behaviour, never quality, is testable.
 */
export function writeStubPack(dir: string, options: StubPackOptions = {}): PackManifest {
  const name = options.name ?? 'stub';
  const size = options.size ?? 16;
  const kind = options.input ?? 'label_map';
  const classes = options.classes ?? ['a', 'b'];
  const predicted = options.predicted ?? [0.3, 0.1, 0];
  if (predicted.length < 1) throw new Error(`writeStubPack(${name}): "predicted" needs one distance per exit (at least one)`);
  const exits = predicted.length;
  const measured = options.measured ?? Array.from({ length: 8 }, () => [...predicted]);
  measured.forEach((row, i) => {
    if (row.length !== exits) throw new Error(`writeStubPack(${name}): measured row ${i} has ${row.length} distances, expected ${exits} (one per exit)`);
  });
  if (options.inputs) {
    const file = writeMultiInputStubPack(dir, { name, inputs: options.inputs, size, predicted, measured, stageCache: options.stageCache ?? true, ...(options.splitCount ? { splitCount: options.splitCount } : {}) });
    return normalizeManifest(file);
  }
  const channels = kind === 'label_map' ? classes.length : 3;
  const input = kind === 'label_map' ? 'label_map' : 'image';
  const inputDims = [1, channels, size, size];
  const featDims = [1, FEATURES, size, size];

  mkdirSync(dir, { recursive: true });
  const write = (file: string, build: (g: OnnxGraphBuilder) => void, inputs: [string, number[]][], outputs: [string, number[]][]): void => {
    const g = new OnnxGraphBuilder({ opset: 17, graphName: file.replace('.onnx', ''), producer: 'exitgraph-testing' });
    for (const [tensor, dims] of inputs) g.input(tensor, 'float32', dims);
    build(g);
    for (const [tensor, dims] of outputs) g.output(tensor, 'float32', dims);
    writeFileSync(join(dir, file), g.toBytes());
  };
  const conv = (g: OnnxGraphBuilder, layer: string, x: string, cin: number, cout: number, out: string): void => {
    const w = g.initializer(`${layer}.w`, fixedWeights(layer, cout * cin * 9, 1 / Math.sqrt(cin * 9)), [cout, cin, 3, 3]);
    g.node('Conv', [x, w], [out], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  };

  const segments: PackManifest['segments'][number][] = [];
  const exitSpecs: PackManifest['exits'][number][] = [];
  for (let k = 0; k < exits; k++) {
    const from = k === 0 ? input : `feat${k - 1}`;
    write(`segment${k}.onnx`, (g) => conv(g, `s${k}`, from, k === 0 ? channels : FEATURES, FEATURES, `feat${k}`), [[from, k === 0 ? inputDims : featDims]], [[`feat${k}`, featDims]]);
    segments.push({ file: `segment${k}.onnx`, inputs: [from], outputs: [`feat${k}`] });
    write(
      `head${k}.onnx`,
      (g) => {
        conv(g, `h${k}`, `feat${k}`, FEATURES, 3, `h${k}.y`);
        g.node('Tanh', [`h${k}.y`], [`image${k}`]);
      },
      [[`feat${k}`, featDims]],
      [[`image${k}`, [1, 3, size, size]]],
    );
    exitSpecs.push({ name: k === exits - 1 ? 'full' : `exit${k}`, after_segment: k, file: `head${k}.onnx`, inputs: [`feat${k}`], output: `image${k}` });
  }
  // distances = mean(input) * 0 + predicted: the same answer for every input, but a real graph on the input.
  write(
    'predictor.onnx',
    (g) => {
      const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [input], {}, 'p.gap')], { axis: 1 }, 'p.flat');
      g.initializer('p.w', new Float32Array(channels * exits), [channels, exits]);
      g.initializer('p.b', Float32Array.from(predicted), [exits]);
      g.node('Add', [g.op('MatMul', [pooled, 'p.w'], {}, 'p.mm'), 'p.b'], ['distances']);
    },
    [[input, inputDims]],
    [['distances', [1, exits]]],
  );

  const manifest: PackManifest = {
    format: PACK_FORMAT,
    name,
    version: '1.0.0',
    task: kind === 'label_map' ? 'semantic-map-to-image' : 'image-to-image',
    description: 'Stub pack for tests (untrained; its predictor returns fixed distances), written by exitgraph/testing',
    input: kind === 'label_map' ? { name: input, kind, height: size, width: size, classes } : { name: input, kind, height: size, width: size },
    output: { kind: 'image', range: [-1, 1] },
    segments,
    exits: exitSpecs,
    predictor: { file: 'predictor.onnx', input, output: 'distances' },
    metric: 'l1',
    calibration: { file: 'calibration.json' },
  };
  const calibration: CalibrationData = {
    metric: 'l1',
    split: 'calibration',
    n: measured.length,
    exits: exitSpecs.map((e) => e.name),
    predicted: measured.map(() => [...predicted]),
    measured: measured.map((row) => [...row]),
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'calibration.json'), `${JSON.stringify(calibration)}\n`);
  return manifest;
}
