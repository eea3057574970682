/**
 * How the `exitgraph` command behaves around its work: output into a closed pipe, Ctrl-C during
 * long commands, router flags taken from the router schemas, one naming of exits, and the
 * per-node line of a run. Real processes, real packs (the tiny fixture and the shipped landscape).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, ensureBuilt, exitgraph, root } from './cli-harness.js';

const tiny = join(root, 'test', 'fixtures', 'packs', 'tiny-landscape');
const regionRouter = join(root, 'examples', 'plugins', 'region-router');

let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'exitgraph-cli-manners-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `exitgraph <args> | head -1` through a shell: what the pipeline printed, and the command's exit status. */
function pipedToHead(args: readonly string[]): Promise<{ stdout: string; stderr: string; status: number }> {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `${quoted} | head -1; exit "\${PIPESTATUS[0]}"`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, status: code ?? -1 }));
  });
}

describe('output into a closed pipe', () => {
  it.each(['eval --help', 'nodes', 'nodes --json'])('exitgraph %s | head -1 ends quietly, exit 0', async (args) => {
    const result = await pipedToHead(args.split(' '));
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(result.status, result.stderr).toBe(0);
  });
});

describe('exitgraph eval: router flags from the router schemas', () => {
  it('--help lists each router with its own params and their descriptions', async () => {
    const { code, stdout } = await exitgraph(['eval', '--help']);
    expect(code).toBe(0);
    const section = stdout.slice(stdout.indexOf('Router params'));
    expect(section).toMatch(/\n {2}budget\n {4}--budget <number> +Average share of the full model's MACs \(default 0\.5\)/);
    expect(section).toMatch(/\n {2}deadline\n {4}--deadline-ms <number> +Per-item latency target/);
    expect(section).toMatch(/\n {2}risk\n(?: {4}.*\n)*? {4}--method <value> +Calibration: .*one of conformal, learn-then-test/);
    expect(section).toMatch(/\n {2}full: no params/);
  });

  it("the budget router's header shows its budget, not tau or alpha; the full model is called full", async () => {
    const out = join(tmp, 'budget');
    const { code, stdout, stderr } = await exitgraph(['eval', tiny, '--router', 'budget', '--budget', '0.4', '--out', out]);
    expect(code, stderr).toBe(0);
    const [header] = stdout.split('\n');
    expect(header).toMatch(/; router budget \(budget 0\.4\)$/);
    expect(header).not.toMatch(/tau|alpha/);
    expect(stdout).toMatch(/^best fixed \(full\) /m);
    expect(stdout).not.toMatch(/exit 3\b/);
    expect(stdout).toMatch(/exits taken: exit0 [\d.]+%, exit1 [\d.]+%, exit2 [\d.]+%, full [\d.]+%/);
  });

  it('refuses a flag of another router, naming the flag, its router and what the chosen one takes', async () => {
    const { code, stderr } = await exitgraph(['eval', tiny, '--router', 'budget', '--exit', '2', '--out', join(tmp, 'refused')]);
    expect(code).toBe(2);
    expect(stderr).toContain('error: --exit is a param of fixed, not of router budget (it takes: --budget)');
    const typo = await exitgraph(['eval', tiny, '--router', 'deadline', '--deadline-ms', 'soon']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('--deadline-ms: "soon" is not a number');
  });

  it("takes a plugin router's params as flags, and still --param key=value", async () => {
    const help = await exitgraph(['--plugin', regionRouter, 'eval', '--help']);
    expect(help.stdout).toMatch(/\n {2}regions\/cautious\n {4}--tau <number>.*\n {4}--caution <number>/);
    const flag = await exitgraph(['--plugin', regionRouter, 'eval', tiny, '--router', 'regions/cautious', '--caution', '0.25', '--json', '--out', join(tmp, 'flag')]);
    expect(flag.code, flag.stderr).toBe(0);
    expect(JSON.parse(flag.stdout).params).toEqual({ tau: 0.1, caution: 0.25 });
    const pair = await exitgraph(['--plugin', regionRouter, 'eval', tiny, '--router', 'regions/cautious', '--param', 'caution=0.75', '--json', '--out', join(tmp, 'pair')]);
    expect(pair.code, pair.stderr).toBe(0);
    expect(JSON.parse(pair.stdout).params).toEqual({ tau: 0.1, caution: 0.75 });
  });
});

describe('Ctrl-C during a long command', () => {
  it('eval says it is stopping, exits 130 and writes no figures', async () => {
    const out = join(tmp, 'interrupted');
    const started = Date.now();
    let sent = false;
    const child = spawn(process.execPath, [bin, 'eval', 'landscape', '--router', 'risk', '--out', out], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // The 200-map evaluation takes tens of seconds: interrupt it once it has begun.
    child.stderr.on('data', () => {
      if (!sent && stderr.includes('evaluating 200 inputs')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(sent, `eval ended before Ctrl-C after ${Date.now() - started} ms: ${stderr}`).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted: stopping the evaluation (Ctrl-C again to force)');
    expect(existsSync(join(out, 'eval.json'))).toBe(false);
  }, 120_000);
});

describe('exitgraph run: the per-node line of a generator', () => {
  it('names the exit taken and the share of MACs saved', async () => {
    const { code, stdout, stderr } = await exitgraph(['run', join(root, 'examples', 'graphs', 'landscape-risk.json'), '--out', join(tmp, 'run'), '--device', 'cpu']);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/node \d+ \(exitgraph\/SemanticMapGenerator\) done in [\d.]+ ms, took (exit\d|full) \(-?\d+\.\d% of the MACs saved\)/);
  });

  it('for a frame sequence, Save Frames names the exits the frames took and the mean share saved', async () => {
    const { code, stdout, stderr } = await exitgraph(['run', join(root, 'examples', 'graphs', 'faces-sequence.json'), '--out', join(tmp, 'frames'), '--device', 'cpu']);
    expect(code, stderr).toBe(0);
    const line = /node 4 \(exitgraph\/SaveFrames\) done in [\d.]+ ms, frames took ((?:(?:exit\d|full) x\d+(?:, )?)+) \(-?\d+\.\d% of the MACs saved\)/.exec(stdout);
    expect(line, stdout).not.toBeNull();
    const counted = line![1]!.split(', ').reduce((sum, part) => sum + Number(part.split(' x')[1]), 0);
    expect(counted).toBe(29);
  });
});
