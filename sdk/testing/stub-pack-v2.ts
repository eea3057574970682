import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxGraphBuilder, PACK_FORMAT_V2, type CalibrationData, type PackManifestV2File } from '../early-exit/index.js';

/** A stub pack with several image inputs (`exitgraph.pack/2`); see `writeStubPack`'s `inputs`. */
export interface MultiInputStubOptions {
  readonly name: string;
  /** Names of the image inputs, e.g. `['source', 'driving']`. The first one feeds the stage. */
  readonly inputs: readonly string[];
  readonly size: number;
  readonly predicted: readonly number[];
  readonly measured: readonly (readonly number[])[];
  /** Mark the stage `cache: per_input` (default true). */
  readonly stageCache: boolean;
  /** Write a `test` split of this many random input sets with ground truth (default none). */
  readonly splitCount?: number;
}

const FEATURES = 4;

/** One ONNX step: declares nothing itself, only adds its nodes to `g`, so steps compose into the reference. */
type StepGraph = (g: OnnxGraphBuilder) => void;

/**
 * The two-input layout of a face-reenactment pack, in miniature: a stage encodes the first input
 * (the "appearance" of the source), segment 0 reads that encoding and every other input (the
 * driving frame), later segments refine the features, a head after each segment, a predictor
 * reading every input, and `reference.onnx`: every step in one graph, with the same weights.
 */
export function writeMultiInputStubPack(dir: string, o: MultiInputStubOptions): PackManifestV2File {
  const { size, inputs } = o;
  if (inputs.length < 1 || new Set(inputs).size !== inputs.length) throw new Error(`writeStubPack(${o.name}): "inputs" needs distinct names, got [${inputs.join(', ')}]`);
  const exits = o.predicted.length;
  const image = [1, 3, size, size];
  const feat = [1, FEATURES, size, size];
  const [first, ...others] = inputs as [string, ...string[]];
  mkdirSync(dir, { recursive: true });

  const write = (file: string, build: StepGraph, ins: readonly [string, number[]][], outs: readonly [string, number[]][]): void => {
    const g = new OnnxGraphBuilder({ opset: 17, graphName: file.replace('.onnx', ''), producer: 'exitgraph-testing' });
    for (const [tensor, dims] of ins) g.input(tensor, 'float32', dims);
    build(g);
    for (const [tensor, dims] of outs) g.output(tensor, 'float32', dims);
    writeFileSync(join(dir, file), g.toBytes());
  };
  const conv = (g: OnnxGraphBuilder, layer: string, x: string, cin: number, cout: number, out: string): void => {
    const w = g.initializer(`${layer}.w`, fixedWeights(layer, cout * cin * 9, 1 / Math.sqrt(cin * 9)), [cout, cin, 3, 3]);
    g.node('Conv', [x, w], [out], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  };

  const stage: StepGraph = (g) => {
    conv(g, 'a0', first, 3, FEATURES, 'a0.y');
    conv(g, 'a1', 'a0.y', FEATURES, FEATURES, 'appearance');
  };
  const segment = (k: number): StepGraph => (g) => {
    if (k > 0) return conv(g, `s${k}`, `feat${k - 1}`, FEATURES, FEATURES, `feat${k}`);
    const joined = others.length ? g.op('Concat', ['appearance', ...others], { axis: 1 }, 's0.cat') : 'appearance';
    conv(g, 's0', joined, FEATURES + 3 * others.length, FEATURES, 'feat0');
  };
  const head = (k: number): StepGraph => (g) => {
    conv(g, `h${k}`, `feat${k}`, FEATURES, 3, `h${k}.y`);
    g.node('Tanh', [`h${k}.y`], [`image${k}`]);
  };
  // distances = (mean of every input) . 0 + predicted: a real graph on all inputs, a fixed answer.
  const predictor: StepGraph = (g) => {
    const pooled = inputs.map((name, i) => g.op('Flatten', [g.op('GlobalAveragePool', [name], {}, `p.gap${i}`)], { axis: 1 }, `p.flat${i}`));
    const all = pooled.length > 1 ? g.op('Concat', pooled, { axis: 1 }, 'p.cat') : pooled[0]!;
    g.initializer('p.w', new Float32Array(3 * inputs.length * exits), [3 * inputs.length, exits]);
    g.initializer('p.b', Float32Array.from(o.predicted), [exits]);
    g.node('Add', [g.op('MatMul', [all, 'p.w'], {}, 'p.mm'), 'p.b'], ['distances']);
  };
  const imageInputs = inputs.map((name): [string, number[]] => [name, image]);

  write('appearance.onnx', stage, [[first, image]], [['appearance', feat]]);
  const segments: PackManifestV2File['segments'][number][] = [];
  const exitSpecs: PackManifestV2File['exits'][number][] = [];
  for (let k = 0; k < exits; k++) {
    const reads = k === 0 ? ['appearance', ...others] : [`feat${k - 1}`];
    const readDims = (name: string): number[] => (name === 'appearance' || name.startsWith('feat') ? feat : image);
    write(`segment${k}.onnx`, segment(k), reads.map((name): [string, number[]] => [name, readDims(name)]), [[`feat${k}`, feat]]);
    segments.push({ file: `segment${k}.onnx`, inputs: reads, outputs: [`feat${k}`] });
    write(`head${k}.onnx`, head(k), [[`feat${k}`, feat]], [[`image${k}`, image]]);
    exitSpecs.push({ name: k === exits - 1 ? 'full' : `exit${k}`, after_segment: k, file: `head${k}.onnx`, inputs: [`feat${k}`], output: `image${k}` });
  }
  write('predictor.onnx', predictor, imageInputs, [['distances', [1, exits]]]);
  const outputs = exitSpecs.map((e) => e.output);
  write(
    'reference.onnx',
    (g) => {
      stage(g);
      for (let k = 0; k < exits; k++) {
        segment(k)(g);
        head(k)(g);
      }
    },
    imageInputs,
    outputs.map((name): [string, number[]] => [name, image]),
  );

  const splits = o.splitCount ? writeSplit(dir, inputs, size, o.splitCount) : undefined;
  const manifest: PackManifestV2File = {
    format: PACK_FORMAT_V2,
    name: o.name,
    version: '1.0.0',
    task: 'face-reenactment',
    description: 'Stub two-input pack for tests (untrained; its predictor returns fixed distances), written by exitgraph/testing',
    inputs: inputs.map((name) => ({ name, kind: 'image', height: size, width: size, channels: 3, range: [-1, 1] })),
    output: { kind: 'image', range: [-1, 1] },
    stages: [{ file: 'appearance.onnx', inputs: [first], outputs: ['appearance'], ...(o.stageCache ? { cache: 'per_input' as const } : {}) }],
    segments,
    exits: exitSpecs,
    predictor: { file: 'predictor.onnx', inputs: [...inputs], output: 'distances' },
    metric: 'l1',
    calibration: { file: 'calibration.json' },
    reference: { file: 'reference.onnx', inputs: [...inputs], outputs },
    ...(splits ? { splits: { test: splits } } : {}),
  };
  const calibration: CalibrationData = {
    metric: 'l1',
    split: 'calibration',
    n: o.measured.length,
    exits: exitSpecs.map((e) => e.name),
    predicted: o.measured.map(() => [...o.predicted]),
    measured: o.measured.map((row) => [...row]),
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'calibration.json'), `${JSON.stringify(calibration)}\n`);
  return manifest;
}

/** Raw uint8 [N, H, W, 3] per input and ground truth, reproducible bytes. */
function writeSplit(dir: string, inputs: readonly string[], size: number, count: number): { inputs: Record<string, string>; images: string; count: number } {
  mkdirSync(join(dir, 'splits'), { recursive: true });
  const bytes = (salt: number): Uint8Array => Uint8Array.from({ length: count * size * size * 3 }, (_, i) => (i * 37 + salt * 101) % 256);
  const files: Record<string, string> = {};
  inputs.forEach((name, i) => {
    files[name] = `splits/test.${name}.u8`;
    writeFileSync(join(dir, files[name]), bytes(i + 1));
  });
  writeFileSync(join(dir, 'splits/test.images.u8'), bytes(0));
  return { inputs: files, images: 'splits/test.images.u8', count };
}

/** Reproducible weights in [-scale, scale], different per layer (a sine of a hash of the name). */
export function fixedWeights(layer: string, count: number, scale: number): Float32Array {
  let seed = 0;
  for (let i = 0; i < layer.length; i++) seed = (seed * 31 + layer.charCodeAt(i)) % 9973;
  return Float32Array.from({ length: count }, (_, i) => Math.sin(seed + i * 12.9898) * scale);
}
