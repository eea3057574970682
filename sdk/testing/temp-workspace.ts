import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localWorkspace, type Workspace } from '../index.js';

/** A workspace in a fresh temporary folder, for tests that read input files or write outputs. */
export interface TempWorkspace extends Workspace {
  /**
   * Writes an input file (relative to `inputDir`) and returns the relative path, ready to put in a
   * graph's `path` input.
   */
  writeInput(name: string, bytes: Uint8Array | string): string;
  /** Deletes the folder and everything in it. */
  remove(): void;
}

/**
 * Creates a workspace in a new folder under the OS temp dir: relative input paths resolve in it,
 * outputs go to its `output` subfolder. Call `remove()` when the test is done (a test host made by
 * `createTestHost` does so in `close()`).
 */
export function tempWorkspace(prefix = 'exitgraph-test-'): TempWorkspace {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const workspace = localWorkspace(dir, join(dir, 'output'));
  return {
    ...workspace,
    writeInput: (name, bytes) => {
      writeFileSync(workspace.resolveInput(name), bytes);
      return name;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
