/** The project's own code, scanned once per test file: the folders the layer rules are about. */
import { fileURLToPath } from 'node:url';
import { listCodeFiles, scanFiles, type FileScan, type ImportEdge } from './import-graph.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Application and library code: what the import rules and the cycle check cover. */
export const CODE_FOLDERS = ['sdk', 'nodes', 'bin', 'editor'] as const;

let scanned: { files: string[]; scans: Map<string, FileScan>; edges: ImportEdge[] } | undefined;

export function projectScan(): { files: string[]; scans: Map<string, FileScan>; edges: ImportEdge[] } {
  if (!scanned) {
    const files = listCodeFiles(ROOT, [...CODE_FOLDERS, 'examples/plugins']);
    const scans = scanFiles(ROOT, files);
    scanned = { files, scans, edges: [...scans.values()].flatMap((scan) => scan.imports) };
  }
  return scanned;
}

/** `file:line imports 'specifier'` for failure messages. */
export function describeEdge(edge: ImportEdge): string {
  return `${edge.from}:${edge.line} ${edge.kind} '${edge.specifier}'${edge.to && edge.to !== edge.specifier ? ` (${edge.to})` : ''}`;
}
