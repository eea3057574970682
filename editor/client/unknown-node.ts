/**
 * Nodes of a type this server does not have (a graph saved with a plugin not installed here).
 * litegraph keeps them as bare placeholders that serialize as they were loaded; this draws them
 * with their type and says so, and shows the server's refusal on them when the graph is queued.
 */
import type { LGraph, LGraphNode } from '@comfyorg/litegraph';
import { ExitgraphNode } from './exitgraph-node.js';

const UNKNOWN_COLOR = '#5c2323';
const UNKNOWN_BG = '#3a2020';

/** The type a placeholder was saved with (litegraph keeps the node's serialization). */
export function unknownType(node: LGraphNode): string | undefined {
  if (node instanceof ExitgraphNode) return undefined;
  const saved = (node as { last_serialization?: { type?: unknown } }).last_serialization;
  return typeof saved?.type === 'string' ? saved.type : typeof node.type === 'string' && node.type ? node.type : undefined;
}

/** The message drawn on such a node. */
export function notInstalledMessage(type: string): string {
  return `node type ${type} is not installed`;
}

/** Marks every placeholder of `graph`: title, colours, size, the message drawn, and the refusal when queued. Returns their types. */
export function markUnknownNodes(graph: LGraph): string[] {
  const types: string[] = [];
  for (const node of graph.nodes) {
    const type = unknownType(node);
    if (type === undefined) continue;
    types.push(type);
    const saved = (node as { last_serialization?: { title?: unknown } }).last_serialization;
    node.title = typeof saved?.title === 'string' && saved.title ? saved.title : type;
    node.color = UNKNOWN_COLOR;
    node.bgcolor = UNKNOWN_BG;
    node.has_errors = true;
    // Wide enough for the message (bold type name, plain message, 12px, 8px either side).
    const measure = document.createElement('canvas').getContext('2d');
    if (measure) measure.font = '12px sans-serif';
    const text = measure ? measure.measureText(notInstalledMessage(type)).width : notInstalledMessage(type).length * 7;
    node.size[0] = Math.max(node.size[0], 240, Math.ceil(text) + 24);
    node.size[1] = Math.max(node.size[1], 70);
    node.onDrawForeground = function (this: LGraphNode & { refusal?: string | undefined }, ctx: CanvasRenderingContext2D) {
      if (this.flags.collapsed) return;
      ctx.save();
      ctx.font = 'bold 12px sans-serif';
      ctx.fillStyle = '#ffcdd2';
      ctx.fillText(fit(ctx, type, this.size[0] - 16), 8, 20);
      ctx.font = '12px sans-serif';
      ctx.fillStyle = '#ff8a80';
      ctx.fillText(fit(ctx, notInstalledMessage(type), this.size[0] - 16), 8, 40);
      if (this.refusal) {
        ctx.fillStyle = '#ff8a80';
        ctx.fillText(fit(ctx, this.refusal, this.size[0]), 0, this.size[1] + 16);
      }
      ctx.restore();
    };
  }
  return types;
}

/** Shows the server's refusal on a placeholder (under it, as on other nodes). */
export function showRefusal(node: LGraphNode, message: string | undefined): void {
  (node as LGraphNode & { refusal?: string | undefined }).refusal = message;
  node.setDirtyCanvas(true, true);
}

function fit(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}
