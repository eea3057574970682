/** Shared helpers for the pack tests: fixture locations, temp copies, comparisons, CI rules. */
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'vitest';

export const ON_CI = process.env.CI === 'true' || process.env.CI === '1';
export const FIXTURE_PACKS = fileURLToPath(new URL('../fixtures/packs/', import.meta.url));
export const fixturePack = (name: string): string => join(FIXTURE_PACKS, name);

/** A writable copy of a fixture pack in a fresh temp folder (to damage in a test). */
export async function tempPackCopy(name: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'exitgraph-pack-')), name);
  await cp(fixturePack(name), dir, { recursive: true });
  return dir;
}

/** ||a - b|| / ||b||. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Outside CI: skip the test with a message saying why. On CI: fail with that message. */
export function skipOrFail(ctx: TestContext, reason: string): never {
  if (ON_CI) throw new Error(`${reason} (CI=true: this must not be skipped on CI)`);
  console.warn(`[skipped] ${ctx.task.name}: ${reason}`);
  return ctx.skip(reason);
}
