import { LGraphCanvas, LiteGraph } from '@comfyorg/litegraph';
import { ANY_TYPE, PortTypeRegistry, portTypeFromDescription, type PortDescription } from '../../sdk/kernel/browser.js';

/**
 * Applies the kernel's link rule (PortTypeRegistry.canLink, the one graph validation uses) to
 * every link the canvas makes: anything it refuses is refused while dragging (the slot does not
 * highlight, the drop does nothing). Sockets get their port type's colour.
 */
export function installLinkRules(ports: readonly PortDescription[]): PortTypeRegistry {
  const registry = new PortTypeRegistry();
  for (const port of ports) registry.add(portTypeFromDescription(port), 'server');
  LiteGraph.isValidConnection = (from, to) => registry.canLink(slotType(from), slotType(to));
  for (const port of ports) {
    if (port.color) LGraphCanvas.link_type_colors[port.name] = port.color;
  }
  return registry;
}

/** litegraph writes "any type" as '', 0 or nothing. */
function slotType(type: unknown): string {
  return type === '' || type === 0 || type === undefined || type === null ? ANY_TYPE : String(type);
}
