import type { LGraphCanvas } from '@comfyorg/litegraph';
import { el } from './dom.js';

/**
 * Shows a param's schema description while the pointer rests on its widget (litegraph keeps
 * `widget.tooltip` but draws none). One tooltip element, placed beside the pointer.
 */
export function installWidgetTooltips(canvas: LGraphCanvas, element: HTMLCanvasElement): HTMLElement {
  const tip = el('div', { className: 'widget-tooltip', role: 'tooltip' });
  tip.hidden = true;
  document.body.append(tip);
  let shownFor: unknown;
  const hide = () => {
    tip.hidden = true;
    shownFor = undefined;
  };
  element.addEventListener('pointermove', (e) => {
    // litegraph updates graph_mouse in its own pointermove handler, which runs first.
    const x = canvas.graph_mouse[0] ?? 0;
    const y = canvas.graph_mouse[1] ?? 0;
    const node = canvas.graph?.getNodeOnPos(x, y);
    const widget = node?.getWidgetOnPos(x, y, true);
    const text = widget?.tooltip;
    if (!widget || !text) return hide();
    if (shownFor !== widget) {
      tip.textContent = text;
      shownFor = widget;
    }
    tip.hidden = false;
    tip.style.left = `${e.clientX + 14}px`;
    tip.style.top = `${e.clientY + 14}px`;
  });
  element.addEventListener('pointerleave', hide);
  element.addEventListener('pointerdown', hide);
  return tip;
}
