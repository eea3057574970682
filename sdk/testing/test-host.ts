import { createHost, loadPlugins, type AnyNodeDefinition, type Host, type NodePack, type PluginReport, type RunOptions, type ValidGraph } from '../index.js';
import { PACK_RUNNERS, earlyExitPack } from '../early-exit/index.js';
import { runNode, type NodeRun, type RunNodeOptions } from './run-node.js';
import { runPrompt, validatePrompt, type PromptRun, type ValidateOptions } from './run-prompt.js';
import { tempWorkspace, type TempWorkspace } from './temp-workspace.js';

/** What a test host is made of. */
export interface TestHostOptions {
  /**
   * Packs registered as built-ins, in order, after the early-exit layer (e.g. a project's own
   * node packs). Built-in node types cannot be overridden by later packs or plugins.
   */
  readonly builtins?: readonly NodePack[];
  /** Packs registered as a user's plugin would be (the pack under test, usually). */
  readonly packs?: readonly NodePack[];
  /** Plugin folders, module files or installed package names, loaded as the CLI loads them. */
  readonly plugins?: readonly string[];
  /** Register the early-exit layer (DIFFICULTY, EXIT_PLAN, the routers extension) first. Default true. */
  readonly earlyExit?: boolean;
  /**
   * Whether a pack or plugin that fails to register is tolerated (then see `plugins.failed`).
   * Default false: `createTestHost` throws, naming the pack and why.
   */
  readonly allowFailures?: boolean;
  /** Folder plugin paths resolve against (default: the current folder). */
  readonly cwd?: string;
}

/** A host for tests, with a temporary workspace and shortcuts to validate and run against it. */
export interface TestHost extends Host {
  /** A fresh temp folder: relative input paths resolve in it, outputs land in its `output` folder. */
  readonly workspace: TempWorkspace;
  /** Parses and validates a graph in any format; throws a `GraphValidationError` listing every problem. */
  graph(graph: unknown, options?: ValidateOptions): ValidGraph;
  /** Validates and runs a graph in this host's workspace (see `runPrompt`). */
  run(graph: unknown, options?: RunOptions): Promise<PromptRun>;
  /** Runs one node with fixture inputs in this host's workspace (see `runNode`). */
  runNode(node: string | AnyNodeDefinition, options?: RunNodeOptions): Promise<NodeRun>;
  /** Releases the host's services (model sessions) and deletes the workspace. */
  close(): Promise<void>;
}

/**
 * Creates a host as the CLI and server do, but with exactly the packs a test names: the
 * early-exit layer (unless `earlyExit: false`), then `builtins`, then `packs`, then `plugins`.
 * Each host owns its registries, router streams and model sessions, so tests never see each
 * other's state. Close it when done.
 */
export async function createTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const builtins = [...(options.earlyExit === false ? [] : [earlyExitPack]), ...(options.builtins ?? [])];
  const host = await createHost({ builtins: [...new Set(builtins)], ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  const report: PluginReport = { loaded: [], failed: [] };
  for (const pack of options.packs ?? []) {
    try {
      host.registry.addPack(pack);
      report.loaded.push({ name: pack.name, source: '(test pack)', nodes: pack.nodes.map((n) => n.id), pack });
    } catch (error) {
      report.failed.push({ name: pack.name, source: '(test pack)', error: (error as Error).message });
    }
  }
  const loaded = await loadPlugins(options.plugins ?? [], host.registry, options.cwd === undefined ? {} : { cwd: options.cwd });
  report.loaded.push(...loaded.loaded);
  report.failed.push(...loaded.failed);
  if (report.failed.length && !options.allowFailures) {
    await host.close();
    throw new Error(`createTestHost: ${report.failed.map((f) => `${f.name} (${f.source}) failed to register: ${f.error}`).join('; ')}`);
  }

  // Tests are local use: nodes may name packs by folder (fixture and stub packs), as on the CLI.
  host.services.get(PACK_RUNNERS).allowPackPaths(true);

  // Made on first use: most hosts in unit tests never touch a file.
  let workspace: TempWorkspace | undefined;
  const workspaceOf = (): TempWorkspace => (workspace ??= tempWorkspace());
  return {
    ...host,
    plugins: report,
    get workspace() {
      return workspaceOf();
    },
    graph: (graph, validateOptions) => validatePrompt(host, graph, validateOptions),
    run: (graph, runOptions = {}) => runPrompt(host, graph, { workspace: workspaceOf(), ...runOptions }),
    runNode: (node, nodeOptions = {}) => runNode(host, node, { workspace: workspaceOf(), ...nodeOptions }),
    close: async () => {
      try {
        await host.close();
      } finally {
        workspace?.remove();
      }
    },
  };
}
