import { exitLabel, readHud, type HudInfo } from './hud.js';

export { formatCount, formatMs } from './format.js';

/** What the last run did on one node, as the editor shows it. */
export type NodePhase = 'idle' | 'queued' | 'executing' | 'cached' | 'done' | 'error';

/** Optional fields may be set to undefined: a patch (setRunState) clears them that way. */
export interface NodeRunState {
  phase: NodePhase;
  /** 0..1 while executing with progress reports. */
  progress?: number | undefined;
  /** Wall time of the node's run. */
  ms?: number | undefined;
  /** From the node's ui payload (generator nodes): multiply-accumulates spent. */
  macs?: number | undefined;
  /** From the node's ui payload: the exit taken ("full" for the last). */
  exit?: string | undefined;
  /** From the node's ui payload: compute saved against the full model, 0..1. */
  saved?: number | undefined;
  /** Early-exit nodes: exit of how many, cost, the router's promise. */
  hud?: HudInfo | undefined;
  /** Error message of a failed run, or validation messages. */
  error?: string | undefined;
  /** Images to show on the node (outputs via /view, or live previews). */
  images: HTMLImageElement[];
}

export function idleState(): NodeRunState {
  return { phase: 'idle', images: [] };
}

/** Reads `macs`, `exit` (by name, "full" for the last), `saved` and the HUD from a node's ui payload when it carries them. */
export function readStats(ui: Record<string, unknown> | undefined): Pick<NodeRunState, 'macs' | 'exit' | 'saved' | 'hud'> {
  if (!ui) return { hud: undefined };
  const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
  const macs = first(ui.macs);
  const exit = first(ui.exit);
  const name = first(ui.exit_name);
  const exits = first(ui.exits);
  const saved = first(ui.saved);
  const label = exitLabel(
    typeof name === 'string' ? name : typeof exit === 'string' ? exit : undefined,
    typeof exit === 'number' ? exit : undefined,
    typeof exits === 'number' ? exits : undefined,
  );
  return {
    ...(typeof macs === 'number' ? { macs } : {}),
    ...(label !== undefined ? { exit: label } : {}),
    ...(typeof saved === 'number' ? { saved } : {}),
    hud: readHud(ui),
  };
}
