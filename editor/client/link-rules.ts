import { LGraphCanvas, LiteGraph } from '@comfyorg/litegraph';
import type { PortDef } from './api.js';

/**
 * The SDK's link rule, applied to every link the canvas makes: an output of type A may feed an
 * input of type B when A === B, either is the wildcard `*`, or B's port type lists A in `accepts`.
 * Anything else is refused while dragging (the slot does not highlight, the drop does nothing).
 */
export function canLink(ports: ReadonlyMap<string, PortDef>, from: string, to: string): boolean {
  if (from === to || from === '*' || to === '*') return true;
  return ports.get(to)?.accepts.includes(from) ?? false;
}

export function installLinkRules(portList: readonly PortDef[]): void {
  const ports = new Map(portList.map((p) => [p.name, p]));
  LiteGraph.isValidConnection = (from, to) => canLink(ports, slotType(from), slotType(to));
  for (const port of portList) {
    if (port.color) LGraphCanvas.link_type_colors[port.name] = port.color;
  }
}

function slotType(type: unknown): string {
  return type === '' || type === 0 || type === undefined || type === null ? '*' : String(type);
}
