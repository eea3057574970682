/**
 * Engine overhead per node: a chain of 1,000 trivial nodes and a 1,000-wide fan-out, run through
 * validate + runGraph, against calling the same `run` functions directly in the same order.
 */
import { defineNode, NodeRegistry, OutputCache, parseApiPrompt, runGraph, validateGraph, type ApiPrompt, type NodeContext } from '../../sdk/index.js';
import { medianMs, type BenchSection } from './bench-report.js';

const SIZE = 1000;
const RUNS = 15;

const source = defineNode({
  id: 'bench/Source', version: 1, title: 'Source', category: 'bench', description: 'Emits 1',
  inputs: {}, outputs: { value: { type: 'NUMBER' } }, params: { type: 'object', properties: {} },
  run: () => ({ value: 1 }),
});
const addOne = defineNode({
  id: 'bench/AddOne', version: 1, title: 'Add one', category: 'bench', description: 'x + 1',
  inputs: { x: { type: 'NUMBER' } }, outputs: { value: { type: 'NUMBER' } }, params: { type: 'object', properties: {} },
  run: (_ctx, inputs) => ({ value: inputs.x + 1 }),
});
const sum = defineNode({
  id: 'bench/Sink', version: 1, title: 'Sink', category: 'bench', description: 'Output node', output: true,
  inputs: { x: { type: 'NUMBER' } }, outputs: {}, params: { type: 'object', properties: {} },
  run: () => ({}),
});

function chainPrompt(): ApiPrompt {
  const prompt: ApiPrompt = { '0': { class_type: 'bench/Source', inputs: {} } };
  for (let i = 1; i <= SIZE; i++) prompt[String(i)] = { class_type: 'bench/AddOne', inputs: { x: [String(i - 1), 0] } };
  prompt.sink = { class_type: 'bench/Sink', inputs: { x: [String(SIZE), 0] } };
  return prompt;
}

function fanOutPrompt(): ApiPrompt {
  const prompt: ApiPrompt = { '0': { class_type: 'bench/Source', inputs: {} } };
  for (let i = 1; i <= SIZE; i++) {
    prompt[`a${i}`] = { class_type: 'bench/AddOne', inputs: { x: ['0', 0] } };
    prompt[`s${i}`] = { class_type: 'bench/Sink', inputs: { x: [`a${i}`, 0] } };
  }
  return prompt;
}

const ctx = {} as NodeContext;

/** The baseline: the same run functions called directly, awaited one after another. */
async function directChain(): Promise<void> {
  let value = (await source.run(ctx, {}, {})).value;
  for (let i = 0; i < SIZE; i++) value = (await addOne.run(ctx, { x: value }, {})).value;
  await sum.run(ctx, { x: value }, {});
}

async function directFanOut(): Promise<void> {
  const { value } = await source.run(ctx, {}, {});
  await Promise.all(Array.from({ length: SIZE }, async () => sum.run(ctx, { x: (await addOne.run(ctx, { x: value }, {})).value }, {})));
}

export async function engineOverheadBench(): Promise<BenchSection> {
  const registry = new NodeRegistry();
  for (const node of [source, addOne, sum]) registry.add(node, 'bench');
  const figures = [];
  for (const [name, prompt, direct, nodes] of [
    ['chain', chainPrompt(), directChain, SIZE + 2],
    ['fan-out', fanOutPrompt(), directFanOut, 2 * SIZE + 1],
  ] as const) {
    const graph = validateGraph(parseApiPrompt(prompt).graph, registry).graph!;
    const directMs = await medianMs(direct, RUNS);
    const engineMs = await medianMs(() => runGraph(graph), RUNS);
    const cache = new OutputCache(10 * SIZE);
    const cachedMs = await medianMs(() => runGraph(graph, { cache: (cache.clear(), cache) }), RUNS);
    const validateMs = await medianMs(() => validateGraph(parseApiPrompt(prompt).graph, registry), 5);
    const perNode = (ms: number) => (ms * 1000) / nodes;
    figures.push(
      { name: `${name}: engine, per node`, value: perNode(engineMs), unit: 'us', target: '< 50' },
      { name: `${name}: engine with cache keys, per node`, value: perNode(cachedMs), unit: 'us', target: '< 50' },
      { name: `${name}: direct calls, per node`, value: perNode(directMs), unit: 'us' },
      { name: `${name}: engine overhead per node`, value: perNode(engineMs - directMs), unit: 'us' },
      { name: `${name}: engine / direct`, value: engineMs / directMs, unit: 'x' },
      { name: `${name}: parse + validate, per node`, value: perNode(validateMs), unit: 'us' },
    );
  }
  return {
    title: 'Engine overhead (1,000 trivial nodes)',
    figures,
    notes: [`median of ${RUNS} runs; direct = the same run() functions awaited in the same order`],
  };
}
