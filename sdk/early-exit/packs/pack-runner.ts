/**
 * Running a model pack: to exit k (only the segments, guides and head it needs), escalating from
 * exit k to a later exit (reusing every tensor already computed), the difficulty predictor, and
 * an oracle mode that computes every exit once, sharing segments. Every call reports the MACs it
 * spent, its wall time and the device.
 *
 * On webgpu, segment and guide outputs stay in GPU memory between sessions and are disposed as
 * soon as no pending session needs them; only head and predictor outputs come back to the CPU.
 *
 * An exit reached from scratch runs as one session: the exit's files merged into one graph
 * (pack-monolith.ts) that also returns what later exits need (the last features, the guide), so
 * a run can still escalate without recomputing. Splitting a network into sessions costs a fixed
 * amount per session run (feature maps copied out and back in, one thread-pool wake-up each);
 * the merged path costs what the unsplit network does. An escalation runs the steps it adds as
 * one merged session too (reading the tensors the run holds), unless it adds a single step.
 *
 * Sessions are created when first needed: `open` creates only the predictor's; a step's own
 * session only when an escalation adds one step or fusing is off. A session created for a run
 * that follows at once is not warmed up first (that would run the model twice).
 *
 * Batches: `runBatch`, `predictBatch` and `oracleBatch` run many inputs as one session run of a
 * merged model whose first dimension is the batch (pack-monolith.ts), in chunks of `maxBatch`.
 * Their results equal one-by-one runs (up to float rounding); batched runs do not escalate.
 */
import * as ort from 'onnxruntime-node';
import type { Image, LabelMap } from '../../kernel/image/image.js';
import { chooseDevice, type Device, type DeviceChoice, type DeviceRequest } from '../onnx/devices.js';
import { readTensor, sessionCache, type OnnxSession, type SessionCache } from '../onnx/sessions.js';
import { TensorPool } from '../onnx/tensor-pool.js';
import { loadPack, type LoadedPack, type LoadPackOptions } from './load-pack.js';
import { checkPackInput, outputImage, packInputTensor, type PackInput } from './pack-io.js';
import { externalInputs, mergedModel, mergedModelId } from './pack-monolith.js';
import { packInputs, packStages, type PackInputSpec, type PackManifest } from './manifest.js';
import { resolveInputs, type PackInputs } from './pack-inputs.js';
import { StageCache, STAGE_CACHE_SIZE, type StageOutputs } from './stage-cache.js';
import { predictorFeaturesTensor } from './predictor-features.js';
import { BatchStacker, splitBatch } from './batch-tensors.js';
import { RunCoalescer } from './run-coalescer.js';
import type { PackStep } from './pack-plan.js';
import type { BuiltModel } from '../onnx/sessions.js';
import type { DenseChain } from '../onnx/dense-chain.js';
import { loadDenseChain } from '../onnx/dense-chain-cache.js';

export interface PackRunnerOptions extends LoadPackOptions {
  /** Default 'auto'. */
  readonly device?: DeviceRequest;
  readonly sessions?: SessionCache;
  /**
   * Keep segment outputs in device memory between sessions (webgpu only; default true). Off, every
   * intermediate tensor makes a round trip through the CPU: useful only to compare the two paths.
   */
  readonly deviceResident?: boolean;
  /**
   * Reach an exit from scratch through one merged session per exit (default true). Off, every
   * segment runs as its own session: useful only to compare the two paths.
   */
  readonly fuse?: boolean;
  /** Most inputs per session run in the batch methods and in coalesced runs (default 16): bounds the memory a batch takes. */
  readonly maxBatch?: number;
  /**
   * Runs from scratch that wait for this runner at the same time, bound for the same exit, go
   * through the exit's merged model as one batched session run (run-coalescer.ts). Default true;
   * one-input packs without stages only. Off, every run is its own session run.
   */
  readonly coalesce?: boolean;
  /**
   * Format 2: results of `cache: per_input` stages kept for reuse, by input content (default 4;
   * 0 turns the cache off, so every run computes its stages).
   */
  readonly stageCacheSize?: number;
  /**
   * Evaluate a predictor that is a small chain of dense layers over the inputs or their features
   * (onnx/dense-chain.ts) in JS, without an onnxruntime session: the session run alone costs
   * several times the layers' arithmetic. Default true; the distances agree with onnxruntime's to
   * float32 rounding. Off, the predictor always runs in onnxruntime (to compare the two).
   */
  readonly jsPredictor?: boolean;
}

/**
 * Most runs coalesced into one batch when sessions run in a worker thread (the server). The batch
 * then runs off this thread, but packing its inputs, stacking them, copying the stack to the
 * worker and converting the outputs stay on it, in one turn of the event loop: with batches of 16
 * landscape maps that turn took 100 to 145 ms while a 32-generator prompt ran, and requests
 * waited for it. Four keep that turn short and still share a session run's fixed cost.
 */
const OFF_THREAD_COALESCED_BATCH = 4;

/**
 * One session computing the steps of an exit a run still lacks (all of them from scratch, or what
 * an escalation adds); it returns the image, then `carry`.
 */
interface FusedExit {
  readonly session: OnnxSession;
  /** The steps merged, in order. */
  readonly steps: readonly PackStep[];
  /** Tensors of this exit's steps that later exits or the predictor read (for escalation). */
  readonly carry: readonly string[];
  /** Pool tensors the merged model reads: the pack input, or (format 2) every input and stage output it needs. */
  readonly inputs: readonly string[];
}

/** What one step of a run cost. */
export interface StepRecord {
  readonly step: string;
  readonly file: string;
  readonly macs: number;
  /**
   * Wall time of the step. For a step run inside a merged session (`fused`), the merged run's
   * time shared out in proportion to MACs: a merged run has no per-step timing.
   */
  readonly ms: number;
  readonly fused?: boolean;
}

export interface ExitResult {
  readonly exit: string;
  readonly index: number;
  readonly image: Image;
  /** The raw head output, [1, 3, H, W] in the pack's output range. */
  readonly data: Float32Array;
  readonly dims: readonly number[];
  /** MACs spent by this call (only the steps it had to run). */
  readonly macs: number;
  /** MACs spent by the whole run so far. */
  readonly runMacs: number;
  /** MACs of reaching this exit from scratch (the pack's cost of the exit). */
  readonly exitMacs: number;
  readonly wallMs: number;
  readonly device: Device;
  /** Steps this call ran, in order. */
  readonly steps: readonly StepRecord[];
  /**
   * How many runs shared this call's session run, when it was coalesced with others waiting for
   * the same exit (see PackRunnerOptions.coalesce); absent when it ran alone. `wallMs` and the
   * steps' `ms` are then its share of the batch's time.
   */
  readonly batch?: number;
  /**
   * Format 2 packs with stages: MACs of the input-only stages this call ran, apart from the
   * per-frame `macs` (0 when the stages came from the runner's cache or ran earlier in the run).
   */
  readonly stageMacs?: number;
}

export interface Prediction {
  /** Predicted distance (the pack's metric) of each exit's output to the full model's. */
  readonly distances: readonly number[];
  readonly macs: number;
  readonly wallMs: number;
  readonly device: Device;
}

export class PackRunner {
  readonly #sessions = new Map<string, Promise<OnnxSession>>();
  /** Batched merged sessions: per exit, 'oracle' and 'predictor'. */
  readonly #batched = new Map<string, Promise<OnnxSession>>();
  /** Batch inputs are stacked into this one buffer (batch-tensors.ts says why); only in the runner's turn. */
  readonly #stacker = new BatchStacker();
  /** Merged sessions by exit and the steps they merge, created on first use: from scratch (most runs reach one exit) or an escalation's continuation. */
  readonly #fused = new Map<string, Promise<FusedExit>>();
  /** Per exit: runs from scratch waiting together, batched (see PackRunnerOptions.coalesce). */
  readonly #coalescers = new Map<number, RunCoalescer>();
  /**
   * Input tensors by the pixel array they were made from. In a graph the same label map or image
   * reaches the predictor and then the generator: converting it once makes routing cost only the
   * predictor's run. Values flowing through a graph are never modified in place (the engine's
   * output cache relies on that too), and the entry goes when the pixels are garbage-collected.
   * Per pixel array, one entry per pack input it was given as (by input name: the same image may
   * be a face pack's source and its driving frame).
   */
  readonly #inputs = new WeakMap<object, Map<string, { input: PackInput; tensor: () => ort.Tensor }>>();
  /** Consumers (step ids) of each tensor over the whole pack. */
  readonly #consumers = new Map<string, string[]>();
  /** The last session run asked for: runs take turns (see `inTurn`). */
  #turn: Promise<unknown> = Promise.resolve();
  /** The predictor as a dense chain evaluated in JS, when it is one (see PackRunnerOptions.jsPredictor). */
  #dense: DenseChain | undefined;
  /** Format 2: outputs of `cache: per_input` stages by input content, shared by this runner's runs. */
  readonly stageCache: StageCache;

  private constructor(
    readonly pack: LoadedPack,
    readonly device: DeviceChoice,
    readonly deviceResident: boolean,
    private readonly cache: SessionCache,
    private readonly fuse: boolean,
    readonly maxBatch: number,
    private readonly coalesce: boolean,
    stageCacheSize = STAGE_CACHE_SIZE,
  ) {
    this.stageCache = new StageCache(stageCacheSize);
    for (const step of [...pack.plan.steps, pack.plan.predictor]) {
      for (const input of step.inputs) this.#consumers.set(input, [...(this.#consumers.get(input) ?? []), step.id]);
    }
  }

  /**
   * Loads the pack (unless given loaded), resolves the device, creates and warms up the
   * predictor's session. Every other session is created on its first use.
   */
  static async open(pack: LoadedPack | string, options: PackRunnerOptions = {}): Promise<PackRunner> {
    const loaded = typeof pack === 'string' ? await loadPack(pack, options) : pack;
    const device = await chooseDevice(options.device ?? 'auto');
    const cache = options.sessions ?? sessionCache;
    const maxBatch = options.maxBatch ?? 16;
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
    const runner = new PackRunner(loaded, device, options.deviceResident ?? true, cache, options.fuse ?? true, maxBatch, options.coalesce ?? true, options.stageCacheSize);
    if (options.jsPredictor !== false) runner.#dense = await runner.#denseChainOfPredictor();
    // A predictor evaluated in JS needs no session; its batched session is made if a batch asks.
    if (!runner.#dense) await runner.session(loaded.plan.predictor.id, true);
    return runner;
  }

  /** The predictor as a dense chain, when it is one that reads one of this runner's input tensors. */
  async #denseChainOfPredictor(): Promise<DenseChain | undefined> {
    const { plan, manifest } = this.pack;
    const step = plan.predictor;
    const readable = new Set([...packInputs(manifest).map((spec) => spec.name), ...(manifest.predictor.features ? [manifest.predictor.features.name] : [])]);
    if (step.inputs.length !== 1 || !readable.has(step.inputs[0]!) || step.outputs.length !== 1) return undefined;
    const { chain } = await loadDenseChain(this.pack.path(step.file));
    return chain && chain.input === step.inputs[0] && chain.output === step.outputs[0] ? chain : undefined;
  }

  /** True when this runner evaluates the predictor in JS (see PackRunnerOptions.jsPredictor). */
  get predictsInJs(): boolean {
    return this.#dense !== undefined;
  }

  /** Exit index from an index or a name. */
  exitIndex(exit: number | string): number {
    const exits = this.pack.manifest.exits;
    const index = typeof exit === 'number' ? exit : exits.findIndex((e) => e.name === exit);
    if (!Number.isInteger(index) || index < 0 || index >= exits.length) {
      throw new Error(`pack ${this.pack.manifest.name} has no exit ${JSON.stringify(exit)} (exits: ${exits.map((e, i) => `${i}=${e.name}`).join(', ')})`);
    }
    return index;
  }

  /**
   * Starts a run on one input; call `toExit` (repeatedly, to escalate), `predict`, `allExits`, then
   * `dispose`. With `signal`, the run stops before its next session once the signal fires (a
   * session run itself cannot be stopped midway), throwing the signal's reason.
   */
  begin(input: PackInput | PackInputs, options: { signal?: AbortSignal } = {}): PackRun {
    return new PackRun(this, this.#inputTensors(input), this.#consumers, options.signal);
  }

  /**
   * Every pack input's tensor by name (one input as before, or format 2's named inputs), each
   * packed on first call; with `predictor.features`, the features tensor too, computed on first
   * call (a run that only predicts never packs the full-size input).
   */
  #inputTensors(input: PackInput | PackInputs): Record<string, () => ort.Tensor> {
    const resolved = resolveInputs(this.pack.manifest, input);
    const tensors: Record<string, () => ort.Tensor> = Object.fromEntries(resolved.map(({ spec, value }) => [spec.name, this.#inputTensor(value, spec)]));
    const features = this.pack.manifest.predictor.features;
    const from = features && resolved.find(({ spec }) => spec.name === features.from);
    if (features && from) tensors[features.name] = this.#featureTensor(from.value, from.spec);
    return tensors;
  }

  /** The predictor's features of an input (checked by `#inputTensor` first), computed on first call, cached with its packed tensor. */
  #featureTensor(input: PackInput, spec: PackInputSpec): () => ort.Tensor {
    const features = this.pack.manifest.predictor.features!;
    const compute = (): ort.Tensor => predictorFeaturesTensor(this.pack.manifest, features, input);
    if (input instanceof ort.Tensor) {
      let computed: ort.Tensor | undefined;
      return () => (computed ??= compute());
    }
    return this.#cachedTensor(input as LabelMap | Image, `${spec.name}\u0000${features.name}`, compute);
  }

  /**
   * A tensor made from `input` on first call, kept with the input's pixels under `key`: the same
   * pixels with the same declared size and classes get the same tensor (`check` runs only for
   * inputs not met before).
   */
  #cachedTensor(input: LabelMap | Image, key: string, make: () => ort.Tensor, check?: () => void): () => ort.Tensor {
    const pixels = 'ids' in input ? input.ids : input.data;
    let byInput = this.#inputs.get(pixels);
    if (!byInput) this.#inputs.set(pixels, (byInput = new Map()));
    const known = byInput.get(key);
    if (known && sameInput(known.input, input)) return known.tensor;
    check?.();
    let made: ort.Tensor | undefined;
    const tensor = (): ort.Tensor => (made ??= make());
    byInput.set(key, { input, tensor });
    return tensor;
  }

  /**
   * The input's tensor, packed on first call: a bad input throws here, at once, but packing
   * waits for whoever reads it first (a run's first session, in its turn). Generator nodes begun
   * together would otherwise all pack in one turn of the event loop (1.5 ms each for a 128x128
   * map on a busy core), holding requests for their sum.
   */
  #inputTensor(input: PackInput, spec: PackInputSpec = packInputs(this.pack.manifest)[0]!): () => ort.Tensor {
    // The manifest as checking and packing this input see it (its `input` is this spec).
    const manifestFor = (): PackManifest => (spec.name === this.pack.manifest.input.name ? this.pack.manifest : { ...this.pack.manifest, input: spec });
    if (input instanceof ort.Tensor) {
      checkPackInput(manifestFor(), input);
      return () => input;
    }
    // Same pixels, same declared size and classes, for the same pack input: the same tensor (and
    // already checked). Inputs are told apart by name: a loaded manifest's `inputs` entries may be
    // copies of its `input`, and comparing the objects made every run and batch that met the
    // same map through the other one pack it again (a fresh 655 KB one-hot per landscape map).
    let manifest: PackManifest | undefined;
    return this.#cachedTensor(
      input as LabelMap | Image,
      spec.name,
      () => packInputTensor((manifest ??= manifestFor()), input),
      () => checkPackInput((manifest ??= manifestFor()), input),
    );
  }

  /** @internal The tensor a run or batch of this runner feeds for `input` (packed once per input, then reused). */
  packedInput(input: PackInput): ort.Tensor {
    return this.#inputTensor(input)();
  }

  /** @internal The predictor on input tensors (or features) alone: in JS when it is a dense chain, else its own session. */
  async predictFrom(tensors: Readonly<Record<string, () => ort.Tensor>>): Promise<Prediction> {
    const step = this.pack.plan.predictor;
    const start = performance.now();
    if (this.#dense) {
      // Synchronous and a few hundredths of a millisecond: no turn among the session runs needed.
      const distances = Array.from(this.#dense.run(tensors[step.inputs[0]!]!().data as Float32Array));
      return { distances, macs: this.pack.costs.steps[step.id] ?? 0, wallMs: performance.now() - start, device: 'cpu' };
    }
    const session = await this.session(step.id);
    const outputs = await this.inTurn(
      undefined,
      () => {
        const feeds: Record<string, ort.Tensor> = {};
        for (const name of step.inputs) feeds[name] = tensors[name]!();
        return session.run(feeds, step.outputs);
      },
      { handBack: false },
    );
    const data = await readTensor(outputs[step.outputs[0]!]!);
    return { distances: Array.from(data), macs: this.pack.costs.steps[step.id] ?? 0, wallMs: performance.now() - start, device: this.device.device };
  }

  /** @internal What a run or batch feeds as `name` for one-input `input`: the packed input, or the predictor's features. */
  #feedFor(input: PackInput, name: string): ort.Tensor {
    return this.#inputTensors(input)[name]!();
  }

  /**
   * @internal Format 2: the outputs of the pack's input-only stages for these inputs, from the
   * stage cache where the stage is `cache: per_input` and its inputs were seen before.
   */
  stages(inputs: Readonly<Record<string, ort.Tensor>>, signal?: AbortSignal): Promise<StageOutputs> {
    const host = { session: (id: string) => this.session(id), inTurn: <T>(s: AbortSignal | undefined, job: () => Promise<T>) => this.inTurn(s, job), macsOf: (id: string) => this.pack.costs.steps[id] ?? 0 };
    return this.stageCache.run(host, this.pack.plan.stages, packStages(this.pack.manifest), inputs, signal);
  }

  /** One exit, start to finish. */
  async runExit(input: PackInput | PackInputs, exit: number | string): Promise<ExitResult> {
    const run = this.begin(input);
    try {
      return await run.toExit(exit);
    } finally {
      run.dispose();
    }
  }

  /**
   * The predictor's distances, start to finish. A predictor that reads only the inputs (or their
   * runtime-computed features) runs without a `PackRun` and its tensor pool: this is the
   * Difficulty Estimator's path, and on a new map every step of it counts against routing's
   * budget of a full run's time.
   */
  async predict(input: PackInput | PackInputs): Promise<Prediction> {
    const step = this.pack.plan.predictor;
    const tensors = this.#inputTensors(input);
    if (step.inputs.every((name) => name in tensors)) return this.predictFrom(tensors);
    const run = this.begin(input);
    try {
      return await run.predict();
    } finally {
      run.dispose();
    }
  }

  /** Evaluation: every exit of one input, each segment computed once. */
  async oracle(input: PackInput | PackInputs): Promise<ExitResult[]> {
    const run = this.begin(input);
    try {
      return await run.allExits();
    } finally {
      run.dispose();
    }
  }

  /**
   * @internal Runs `job` (one session run) after every run of this runner asked for before it,
   * unless `signal` fired meanwhile. onnxruntime-node runs a session synchronously on the JS
   * thread (its async `run` only defers the start with setImmediate), so runs asked for together
   * (independent generator nodes) would all execute in one turn of the event loop, holding every
   * request and interrupt for their sum. Taking turns, the event loop gets a turn between any
   * two runs, and a cancelled run that has not started never starts; as two runs could not
   * overlap anyway, no throughput is lost.
   *
   * A finished run also hands back the event loop before anything continues: what follows a
   * run (its caller converting the output, saving it; the next run packing its input) would
   * otherwise execute in the same turn as the session run, and a request would wait for both.
   */
  inTurn<T>(signal: AbortSignal | undefined, job: () => Promise<T>, options: { handBack?: boolean } = {}): Promise<T> {
    const run = this.#turn.then(async () => {
      signal?.throwIfAborted();
      return job();
    });
    const handBack = (): Promise<unknown> => new Promise((next) => setImmediate(next));
    const handedBack = run.then(handBack, handBack);
    this.#turn = handedBack;
    // `handBack: false` is for runs whose caller does next only a little (the predictor's, then a
    // routing decision): the caller goes on at once, and the next run still waits for the event
    // loop's turn. The hand-back's hop through the event loop cost about a third of a predictor run.
    return options.handBack === false ? run : handedBack.then(() => run);
  }

  /** @internal the session of a step, created on first use (warmed up only when asked). */
  session(stepId: string, warmUp = false): Promise<OnnxSession> {
    let session = this.#sessions.get(stepId);
    if (!session) {
      const { plan } = this.pack;
      const step = stepId === plan.predictor.id ? plan.predictor : (plan.steps.find((s) => s.id === stepId) ?? plan.stages.find((s) => s.id === stepId));
      if (!step) throw new Error(`internal: pack ${this.pack.manifest.name} has no step ${stepId}`);
      // Heads and the predictor produce final outputs: those come back to the CPU.
      const intermediate = step.kind === 'segment' || step.kind === 'guides';
      // The predictor is tiny (a few ops at full resolution, then a few hundred thousand MACs):
      // on cpu one thread runs it as fast as all cores on an idle machine, and much faster when
      // the cores are busy (measured on 2 shared cores: median 0.54 vs 0.71 ms).
      const threads = step.kind === 'predictor' && this.device.device === 'cpu' ? 1 : undefined;
      session = this.cache.get(this.pack.path(step.file), { device: this.device.device, outputsOnDevice: intermediate && this.deviceResident, warmUp, ...(threads ? { threads } : {}) });
      this.#sessions.set(stepId, session);
      session.catch(() => this.#sessions.delete(stepId));
    }
    return session;
  }

  /** Exit `exit` of each input, as one batched session run per `maxBatch` inputs. */
  async runBatch(inputs: readonly PackInput[], exit: number | string): Promise<ExitResult[]> {
    const index = this.exitIndex(exit);
    const steps = this.pack.plan.exitSteps[index]!;
    const output = this.pack.manifest.exits[index]!.output;
    const results: ExitResult[] = [];
    for (const chunk of chunks(inputs, this.maxBatch)) {
      const { outputs, ms } = await this.#runBatched(`exit:${index}`, steps, [output], chunk);
      results.push(...splitBatch(outputs[output]!).map((one) => this.#batchResult(index, one, ms / chunk.length, steps)));
    }
    return results;
  }

  /** Every exit of each input (the oracle), as one batched session run per `maxBatch` inputs. */
  async oracleBatch(inputs: readonly PackInput[]): Promise<ExitResult[][]> {
    const { manifest, plan } = this.pack;
    const names = manifest.exits.map((e) => e.output);
    const results: ExitResult[][] = [];
    for (const chunk of chunks(inputs, this.maxBatch)) {
      const { outputs, ms } = await this.#runBatched('oracle', plan.steps, names, chunk);
      const perExit = names.map((name) => splitBatch(outputs[name]!));
      // One pass computes every step once for every input: each exit accounts for the steps no
      // earlier exit ran (as in `oracle`), and gets the input's share of the time by their MACs.
      const ran = new Set<string>();
      const fresh = plan.exitSteps.map((steps) => {
        const added = steps.filter((step) => !ran.has(step.id));
        for (const step of added) ran.add(step.id);
        return added;
      });
      const macsOf = (steps: readonly PackStep[]): number => steps.reduce((sum, step) => sum + (this.pack.costs.steps[step.id] ?? 0), 0);
      const total = macsOf(fresh.flat());
      for (let i = 0; i < chunk.length; i++) {
        let runMacs = 0;
        results.push(perExit.map((items, k) => {
          runMacs += macsOf(fresh[k]!);
          const share = total > 0 ? macsOf(fresh[k]!) / total : 1 / names.length;
          return this.#batchResult(k, items[i]!, (ms / chunk.length) * share, fresh[k]!, runMacs);
        }));
      }
    }
    return results;
  }

  /** The predictor's distances for each input, as one batched session run per `maxBatch` inputs. */
  async predictBatch(inputs: readonly PackInput[]): Promise<Prediction[]> {
    const { manifest, plan, costs } = this.pack;
    const name = manifest.predictor.output;
    const results: Prediction[] = [];
    // In JS one by one: the same distances as `predict`, at a fraction of a batched session run.
    if (this.#dense) {
      for (const input of inputs) results.push(await this.predict(input));
      return results;
    }
    for (const chunk of chunks(inputs, this.maxBatch)) {
      const { outputs, ms } = await this.#runBatched('predictor', [plan.predictor], [name], chunk);
      for (const one of splitBatch(outputs[name]!)) results.push({ distances: Array.from(one.data), macs: costs.predictor.macs, wallMs: ms / chunk.length, device: this.device.device });
    }
    return results;
  }

  async #runBatched(key: string, steps: readonly PackStep[], outputs: readonly string[], inputs: readonly PackInput[]): Promise<{ outputs: Record<string, ort.Tensor>; ms: number }> {
    if (packInputs(this.pack.manifest).length > 1 || this.pack.plan.stages.length) {
      throw new Error(`pack ${this.pack.manifest.name}: batch runs take one-input packs without stages; run its inputs one by one (begin / runExit)`);
    }
    const session = await this.#batchedSession(key, steps, outputs);
    // What the merged steps read from outside: the pack input, or the predictor's features.
    const [feed] = externalInputs(this.pack, steps);
    const tensors = inputs.map((input) => this.#feedFor(input, feed!));
    // In turn with single runs, so a batch never holds the event loop behind other runs; stacked
    // in the turn, because the stacker's buffer is the runner's one.
    return this.inTurn(undefined, async () => {
      const start = performance.now();
      const fetched = await session.run({ [feed!]: this.#stacker.stack(tensors) }, outputs);
      return { outputs: fetched, ms: performance.now() - start };
    });
  }

  #batchedSession(key: string, steps: readonly PackStep[], outputs: readonly string[]): Promise<OnnxSession> {
    let session = this.#batched.get(key);
    if (!session) {
      const pack = this.pack;
      session = mergedModelId(pack, steps, outputs, { batch: true }).then((id) => {
        const model: BuiltModel = { id, build: () => mergedModel(pack, steps, outputs, key, { batch: true }) };
        return this.cache.get(model, { device: this.device.device, warmUp: false });
      });
      this.#batched.set(key, session);
      session.catch(() => this.#batched.delete(key));
    }
    return session;
  }

  /**
   * One input's result from a batched run: `steps` are the steps this result accounts for (all
   * of the exit's for runBatch; in an oracle pass, those earlier exits had not run), with the
   * input's share of the batch time `ms` spread over them by MACs, as for a merged run.
   */
  #batchResult(index: number, one: { data: Float32Array; dims: number[] }, ms: number, steps: readonly PackStep[], runMacs?: number): ExitResult {
    const { manifest, costs } = this.pack;
    const macsOf = (id: string): number => costs.steps[id] ?? 0;
    const macs = steps.reduce((sum, step) => sum + macsOf(step.id), 0);
    const records: StepRecord[] = steps.map((step) => ({ step: step.id, file: step.file, macs: macsOf(step.id), ms: macs > 0 ? (ms * macsOf(step.id)) / macs : ms / steps.length, fused: true }));
    return {
      exit: manifest.exits[index]!.name,
      index,
      image: outputImage(one.data, one.dims, manifest.output.range),
      data: one.data,
      dims: one.dims,
      macs,
      runMacs: runMacs ?? macs,
      exitMacs: costs.exits[index]!.macs,
      wallMs: ms,
      device: this.device.device,
      steps: records,
    };
  }

  /** Runs from scratch waiting for the runner's turn to share a session run (all exits together). */
  waitingRuns(): number {
    let waiting = 0;
    for (const coalescer of this.#coalescers.values()) waiting += coalescer.waiting;
    return waiting;
  }

  /**
   * @internal The coalescer of an exit's runs from scratch, when coalescing applies: on, and a
   * one-input pack without stages (a batch stacks that one input).
   */
  coalescer(exit: number, fused: FusedExit): RunCoalescer | undefined {
    const { manifest, plan } = this.pack;
    // From scratch only: an escalation's continuation runs the steps its run lacks, not the exit's.
    const fromScratch = fused.steps.length === plan.exitSteps[exit]!.length;
    if (!this.coalesce || !fromScratch || plan.stages.length || packInputs(manifest).length !== 1 || fused.inputs.join() !== manifest.input.name) return undefined;
    let coalescer = this.#coalescers.get(exit);
    if (!coalescer) {
      const steps = plan.exitSteps[exit]!;
      const outputs = [manifest.exits[exit]!.output, ...fused.carry];
      const input = manifest.input.name;
      coalescer = new RunCoalescer({
        inTurn: (job) => this.inTurn(undefined, job),
        maxBatch: this.cache.offThread ? Math.min(this.maxBatch, OFF_THREAD_COALESCED_BATCH) : this.maxBatch,
        runOne: (x) => fused.session.run({ [input]: x }, outputs),
        runMany: async (xs) => (await this.#batchedSession(`fused:${exit}`, steps, outputs)).run({ [input]: this.#stacker.stack(xs) }, outputs),
      });
      this.#coalescers.set(exit, coalescer);
    }
    return coalescer;
  }

  /**
   * @internal The merged session of the steps of `exit` not in `done` (created on first use), when
   * fusing is on: from scratch (whatever the exit's step count), or an escalation's continuation
   * when it adds more than one step (a single step runs its own session). A continuation reads
   * the tensors the run already holds. One session instead of one per step saves each step's
   * fixed cost, which audits (exit k to the full model) and previews pay on every input: exit 0
   * then the full model took 0.95x a direct full run this way, 1.03x step by step (landscape
   * pack, 2 cores). Each continuation is a session of its own (weights included), built on first
   * use: at most one per pair of exits.
   */
  fused(exit: number, done: ReadonlySet<string> = new Set()): Promise<FusedExit> | undefined {
    if (!this.fuse) return undefined;
    const steps = this.pack.plan.exitSteps[exit]!.filter((s) => !done.has(s.id));
    if (steps.length < 2 && steps.length < this.pack.plan.exitSteps[exit]!.length) return undefined;
    const key = `${exit}:${steps.map((s) => s.id).join(',')}`;
    let fused = this.#fused.get(key);
    if (!fused) {
      fused = this.#createFused(exit, steps);
      this.#fused.set(key, fused);
      fused.catch(() => this.#fused.delete(key));
    }
    return fused;
  }

  async #createFused(exit: number, steps: readonly PackStep[]): Promise<FusedExit> {
    const { plan } = this.pack;
    // What a run may still read after reaching this exit: later exits' steps and the predictor
    // (a run only escalates, so steps of earlier exits alone never run after it).
    const inside = new Set(steps.map((s) => s.id));
    const later = new Set([plan.predictor.id, ...plan.exitSteps.slice(exit + 1).flat().map((s) => s.id)]);
    const carry = steps
      .filter((s) => s.kind === 'segment' || s.kind === 'guides')
      .flatMap((s) => s.outputs)
      .filter((name) => (this.#consumers.get(name) ?? []).some((id) => later.has(id) && !inside.has(id)));
    const pack = this.pack;
    const outputs = [pack.manifest.exits[exit]!.output, ...carry];
    // Built only when neither this process nor the optimized-model cache on disk has it.
    const model: BuiltModel = { id: await mergedModelId(pack, steps, outputs), build: () => mergedModel(pack, steps, outputs, `exit ${pack.manifest.exits[exit]!.name}`) };
    // Created for a run that follows at once: warming it up would run the exit twice.
    const session = await this.cache.get(model, { device: this.device.device, outputsOnDevice: carry.length > 0 && this.deviceResident, warmUp: false });
    return { session, steps, carry, inputs: externalInputs(pack, steps) };
  }
}

/** One input's run through a pack: tensors computed so far, MACs spent so far. */
export class PackRun {
  readonly #pool: TensorPool;
  readonly #done = new Set<string>();
  /** Exit results already computed in this run, by exit index. */
  readonly #exits = new Map<number, ExitResult>();
  /** The latest exit reached: a run only moves forward, which lets it free what earlier exits needed. */
  #reached = -1;
  #macs = 0;
  #disposed = false;
  /** Format 2: the stages' outputs, once fetched for this run (they are pinned in the pool). */
  #stages: Promise<StageOutputs> | undefined;
  #stageMacs = 0;
  /** Every step run so far, in order. */
  readonly steps: StepRecord[] = [];

  /**
   * @param inputs every pack input's tensor by name (a one-input pack: just that one), each
   *   packed when first called: the run calls them in its first session's turn (see `#timedRun`),
   *   not when it begins.
   */
  constructor(
    readonly runner: PackRunner,
    private readonly inputs: Readonly<Record<string, () => ort.Tensor>>,
    consumers: ReadonlyMap<string, readonly string[]>,
    private readonly signal?: AbortSignal,
  ) {
    this.#pool = new TensorPool(consumers);
  }

  /** Puts the input tensors among `names` in the pool, packing them if no run has yet (in a session's turn). */
  #pinInputs(names: readonly string[]): void {
    for (const name of names) {
      const tensor = this.inputs[name];
      if (tensor && !this.#pool.has(name)) this.#pool.pin(name, tensor());
    }
  }

  /** Format 2: MACs this run spent on input-only stages (0 when they came from the runner's cache). */
  get stageMacs(): number {
    return this.#stageMacs;
  }

  /** Format 2: puts the stage outputs in the pool before the first segment runs (once per run). */
  async #withStages(): Promise<number> {
    const { plan } = this.runner.pack;
    if (!plan.stages.length || this.#stages) return 0;
    this.#pinInputs(packInputs(this.runner.pack.manifest).map((i) => i.name));
    const inputs = Object.fromEntries(packInputs(this.runner.pack.manifest).map((i) => [i.name, this.#pool.get(i.name)]));
    this.#stages = this.runner.stages(inputs, this.signal);
    const stages = await this.#stages;
    // Owned by the runner's cache, read by any run: pinned, never disposed by this run.
    for (const [name, tensor] of Object.entries(stages.tensors)) this.#pool.pin(name, tensor);
    this.#stageMacs += stages.macs;
    return stages.macs;
  }

  /** MACs spent by this run so far. */
  get macs(): number {
    return this.#macs;
  }

  get device(): Device {
    return this.runner.device.device;
  }

  /** Where each tensor held now lives ('cpu' or 'gpu-buffer'). */
  tensorLocations(): Record<string, string> {
    return this.#pool.locations();
  }

  /** How many intermediate tensors were already released. */
  get releasedTensors(): number {
    return this.#pool.disposedCount;
  }

  /** Runs what exit `exit` still needs (nothing already computed is recomputed) and returns its image. */
  async toExit(exit: number | string): Promise<ExitResult> {
    this.#assertOpen();
    const index = this.runner.exitIndex(exit);
    const { pack } = this.runner;
    // Asked again (e.g. after the oracle): nothing to run, so nothing spent.
    const cached = this.#exits.get(index);
    if (cached) {
      const { batch: _ranInBatch, ...again } = cached;
      return { ...again, macs: 0, runMacs: this.#macs, wallMs: 0, steps: [], ...(cached.stageMacs !== undefined ? { stageMacs: 0 } : {}) };
    }
    if (index < this.#reached) {
      const exits = pack.manifest.exits;
      throw new Error(`exit ${exits[index]!.name} comes before exit ${exits[this.#reached]!.name}, which this run already reached: a run only escalates (its earlier tensors were released); begin a new run`);
    }
    const steps = pack.plan.exitSteps[index]!;
    // Sessions are created (or loaded) before the clock starts: wallMs is what running the exit
    // takes, which is what stream routers learn from, not a one-time setup.
    const fused = await this.runner.fused(index, this.#done);
    if (!fused) await Promise.all(steps.filter((s) => !this.#done.has(s.id)).map((s) => this.runner.session(s.id)));
    const start = performance.now();
    const stageMacs = await this.#withStages();
    const records: StepRecord[] = [];
    let output: ort.Tensor | undefined;
    // A coalesced run's session run was shared: it accounts for its share of that run's time.
    let batch = 1;
    let shared = 0;
    if (fused) {
      let ms: number;
      ({ output, batch, ms } = await this.#runFused(index, fused, records));
      shared = ms * (batch - 1);
    } else {
      for (const step of steps) {
        if (this.#done.has(step.id)) continue;
        const outputs = await this.#runStep(step, records);
        if (step.kind === 'head') output = outputs[step.outputs[0]!];
      }
    }
    const spec = pack.manifest.exits[index]!;
    if (!output) throw new Error(`internal: exit ${spec.name} ran no head`);
    const data = await readTensor(output);
    const dims = output.dims;
    const macs = records.reduce((sum, r) => sum + r.macs, 0);
    const result: ExitResult = {
      exit: spec.name,
      index,
      image: outputImage(data, dims, pack.manifest.output.range),
      data,
      dims,
      macs,
      runMacs: this.#macs,
      exitMacs: pack.costs.exits[index]!.macs,
      wallMs: performance.now() - start - shared,
      device: this.device,
      steps: records,
      ...(batch > 1 ? { batch } : {}),
      ...(pack.plan.stages.length ? { stageMacs } : {}),
    };
    this.#exits.set(index, result);
    this.#reached = index;
    // Earlier exits will not be asked for any more: drop what only they would have read.
    const pending = new Set<string>([pack.plan.predictor.id]);
    for (let k = index + 1; k < pack.plan.exitSteps.length; k++) for (const step of pack.plan.exitSteps[k]!) if (!this.#done.has(step.id)) pending.add(step.id);
    this.#pool.keepOnlyFor(pending);
    return result;
  }

  /** Escalates to a later exit: the same as toExit, named for what it means after an earlier exit. */
  escalate(to: number | string): Promise<ExitResult> {
    return this.toExit(to);
  }

  /** Runs the difficulty predictor on this run's input. */
  async predict(): Promise<Prediction> {
    this.#assertOpen();
    if (this.runner.predictsInJs) return this.runner.predictFrom(this.inputs);
    const start = performance.now();
    const step = this.runner.pack.plan.predictor;
    const records: StepRecord[] = [];
    const outputs = await this.#runStep(step, records);
    const data = await readTensor(outputs[step.outputs[0]!]!);
    return { distances: Array.from(data), macs: records[0]!.macs, wallMs: performance.now() - start, device: this.device };
  }

  /** Every exit in order, each segment computed once (oracle evaluation). */
  async allExits(): Promise<ExitResult[]> {
    const results: ExitResult[] = [];
    for (let k = 0; k < this.runner.pack.manifest.exits.length; k++) results.push(await this.toExit(k));
    return results;
  }

  /** Releases every tensor this run still holds (GPU buffers included). Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#pool.dispose();
  }

  async #runStep(step: PackStep, records: StepRecord[]): Promise<Record<string, ort.Tensor>> {
    const session = await this.runner.session(step.id);
    const { outputs, ms } = await this.#timedRun(step.inputs, () => {
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of step.inputs) feeds[name] = this.#pool.get(name);
      return session.run(feeds, step.outputs);
    }, { handBack: step.kind !== 'predictor' });
    const record: StepRecord = { step: step.id, file: step.file, macs: this.runner.pack.costs.steps[step.id] ?? 0, ms };
    records.push(record);
    this.steps.push(record);
    this.#macs += record.macs;
    this.#done.add(step.id);
    const final = step.kind === 'head' || step.kind === 'predictor';
    // Intermediate outputs join the pool; final ones go to the caller, not the pool.
    if (!final) for (const name of step.outputs) this.#pool.set(name, outputs[name]!);
    this.#pool.release(step.id, step.inputs);
    return outputs;
  }

  /** The steps of exit `index` this run lacks in one merged session run; returns the exit's image tensor. */
  async #runFused(index: number, fused: FusedExit, records: StepRecord[]): Promise<{ output: ort.Tensor; batch: number; ms: number }> {
    const { pack } = this.runner;
    const steps = fused.steps;
    const imageName = pack.manifest.exits[index]!.output;
    // Feeds read inside the turn: the run's inputs are packed there (see #timedRun).
    const coalescer = this.runner.coalescer(index, fused);
    const { outputs, ms, batch }: { outputs: Record<string, ort.Tensor>; ms: number; batch: number } = coalescer
      ? await coalescer.run(() => {
          this.#assertOpen();
          this.#pinInputs(fused.inputs);
          return this.#pool.get(fused.inputs[0]!);
        }, this.signal)
      : { ...(await this.#timedRun(fused.inputs, () => fused.session.run(Object.fromEntries(fused.inputs.map((name) => [name, this.#pool.get(name)])), [imageName, ...fused.carry]))), batch: 1 };
    const macsOf = (id: string): number => pack.costs.steps[id] ?? 0;
    const total = steps.reduce((sum, s) => sum + macsOf(s.id), 0);
    for (const step of steps) {
      const record: StepRecord = { step: step.id, file: step.file, macs: macsOf(step.id), ms: total > 0 ? (ms * macsOf(step.id)) / total : ms / steps.length, fused: true };
      records.push(record);
      this.steps.push(record);
      this.#macs += record.macs;
      this.#done.add(step.id);
    }
    for (const name of fused.carry) this.#pool.set(name, outputs[name]!);
    for (const step of steps) this.#pool.release(step.id, step.inputs);
    return { output: outputs[imageName]!, batch, ms };
  }

  /**
   * One session run in the runner's turn (stopped before it starts once the signal fired), timed
   * from its start. The input is packed here, in the first run's turn, before its feeds are read.
   */
  #timedRun(feeds: readonly string[], run: () => Promise<Record<string, ort.Tensor>>, turn: { handBack?: boolean } = {}): Promise<{ outputs: Record<string, ort.Tensor>; ms: number }> {
    return this.runner.inTurn(this.signal, async () => {
      this.#assertOpen();
      this.#pinInputs(feeds);
      const start = performance.now();
      const outputs = await run();
      return { outputs, ms: performance.now() - start };
    }, turn);
  }

  #assertOpen(): void {
    if (this.#disposed) throw new Error('this pack run was disposed');
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function sameInput(a: PackInput, b: PackInput): boolean {
  if (a === b) return true;
  const x = a as Partial<LabelMap & Image>;
  const y = b as Partial<LabelMap & Image>;
  return x.width === y.width && x.height === y.height && x.channels === y.channels && (x.classes ?? []).join('\u0000') === (y.classes ?? []).join('\u0000');
}
