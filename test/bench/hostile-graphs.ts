/**
 * Big invalid graphs against a server on loopback: the time `POST /prompt` takes to refuse
 * graphs of 2,500 to 20,000 unknown nodes, the size of its answer, and how long `/system_stats`
 * waits when asked at the same moment; the baseline is the same refusal of a 1-node graph in
 * the same run. Linear validation shows as a flat time per node.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPacks } from '../../nodes/index.js';
import { createHost } from '../../sdk/index.js';
import { startServer } from '../../editor/server/index.js';
import { medianMs, type BenchFigure, type BenchSection } from './bench-report.js';

function post(port: number, path: string, body?: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: body ? 'POST' : 'GET', headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => done({ ms: performance.now() - started, bytes }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

function invalid(n: number): string {
  const prompt: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) prompt[String(i)] = { class_type: 'nope/Missing', inputs: { x: i ? [String(i - 1), 0] : 1 } };
  return JSON.stringify({ prompt });
}

export async function hostileGraphsBench(): Promise<BenchSection> {
  const workspace = await mkdtemp(join(tmpdir(), 'exitgraph-bench-'));
  const host = await createHost({ builtins: builtinPacks });
  const server = await startServer({ host, port: 0, workspace, log: () => {} });
  const figures: BenchFigure[] = [];
  try {
    const one = invalid(1);
    const baseline = await medianMs(() => post(server.port, '/prompt', one), 15);
    figures.push({ name: '1-node invalid graph refused', value: baseline, unit: 'ms' });
    for (const n of [2_500, 5_000, 20_000]) {
      const body = invalid(n);
      let answer = { ms: 0, bytes: 0 };
      let stats = { ms: 0, bytes: 0 };
      const ms = await medianMs(async () => {
        [answer, stats] = await Promise.all([post(server.port, '/prompt', body), post(server.port, '/system_stats')]);
      }, 3);
      figures.push({ name: `${n}-node invalid graph refused`, value: ms, unit: 'ms', ...(n === 20_000 ? { target: '< 1000' } : {}) });
      figures.push({ name: `  per node`, value: (ms * 1000) / n, unit: 'us' });
      figures.push({ name: `  answer size`, value: answer.bytes / 1024, unit: 'KiB' });
      figures.push({ name: `  /system_stats meanwhile`, value: stats.ms, unit: 'ms' });
      figures.push({ name: `  ratio to the 1-node refusal`, value: ms / baseline, unit: 'x' });
    }
  } finally {
    await server.close();
    await host.close();
    await rm(workspace, { recursive: true, force: true });
  }
  return { title: 'Hostile graphs: big invalid prompts refused by the server (loopback)', figures, notes: ['the time includes sending and parsing the request body (about 1.3 MB at 20,000 nodes)'] };
}
