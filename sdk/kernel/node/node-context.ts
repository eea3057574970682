import type { ServiceLookup } from '../host/host-services.js';
import type { Image } from '../image/image.js';

export interface NodeLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** Where a node may read inputs from and write outputs to. */
export interface Workspace {
  /** Folder relative input paths resolve against. */
  readonly inputDir: string;
  /** Folder output nodes write into. */
  readonly outputDir: string;
  /**
   * Resolves a user-given input path against `inputDir`. Throws when the result would leave the
   * workspace (when the host confines nodes to it, as the server does).
   */
  resolveInput(path: string): string;
  /** Resolves an output file name inside `outputDir`, refusing names that escape it. */
  resolveOutput(path: string): string;
  /**
   * Reads an input file (path as `resolveInput` takes it). Where the workspace is confined, a
   * file reached through a symbolic link leading out of it is refused, checked on the file
   * opened. Errors name `path` as given, not the absolute path.
   */
  readInput(path: string): Promise<Uint8Array>;
  /**
   * Writes an output file inside `outputDir` (creating folders), refusing folders that are links
   * leading out of the workspace; a link at the file's own name is replaced, not written
   * through. Returns the absolute path written. With `exclusive`, an existing file of that name
   * is never replaced: the write fails with `OutputExistsError` (how numbered outputs claim
   * their name under concurrency). The bytes reach the final name complete or not at all.
   */
  writeOutput(path: string, bytes: Uint8Array, options?: { readonly exclusive?: boolean }): Promise<string>;
}

/** The graph being run, for output nodes that embed it in their files. */
export interface RunningGraph {
  /** The graph in API prompt format, as validated. */
  readonly prompt: Readonly<Record<string, unknown>>;
  /** The editor workflow it came from, when it came from one. */
  readonly workflow?: unknown;
}

/** What a preview image shows, as JSON-safe figures (`{ step: 2, of: 5 }`); sent to clients with it. */
export type PreviewDetails = Readonly<Record<string, string | number | boolean>>;

/** Everything a node's `run` may use besides its inputs and params. */
export interface NodeContext {
  /** Id of this node in the graph (API prompt key). */
  readonly nodeId: string;
  /** Aborted when the run is cancelled; long work should check it or pass it on. */
  readonly signal: AbortSignal;
  /** Execution device chosen for this run: `cpu`, `webgpu` or `cuda`. */
  readonly device: string;
  /**
   * The host's services (`ctx.services.get(KEY)`): state that outlives a run but belongs to one
   * host, such as model sessions or router streams. Never keep such state in module variables.
   */
  readonly services: ServiceLookup;
  readonly workspace: Workspace;
  readonly graph: RunningGraph;
  readonly log: NodeLogger;
  /** Reports progress, e.g. per denoising step or per segment. */
  progress(done: number, total: number): void;
  /**
   * Shows an intermediate image on the node in the editor (ComfyUI clients get it as a binary
   * preview frame). `details` says what the image is, in the node's own terms (e.g. which step of
   * how many); the server sends them to clients just before the image, as `exitgraph.preview`.
   * Previews of one node reach clients in the order they were made.
   */
  preview(image: Image, details?: PreviewDetails): void;
  /** Results for the user (files written, figures), sent as the node's `executed` message. */
  ui(payload: Readonly<Record<string, unknown>>): void;
}
