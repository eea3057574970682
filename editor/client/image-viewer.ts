/**
 * The image viewer: one of a node's images large, on a dark overlay. Left/right arrows (or the
 * buttons) go through the node's images; Escape, the close button or a click beside the image
 * closes it.
 */
export function openImageViewer(title: string, images: readonly HTMLImageElement[], start: number): HTMLElement {
  let index = Math.max(0, Math.min(images.length - 1, start));
  const overlay = document.createElement('div');
  overlay.className = 'viewer-overlay';
  overlay.id = 'image-viewer';
  overlay.tabIndex = -1;
  const shown = document.createElement('img');
  shown.className = 'viewer-image';
  const caption = document.createElement('div');
  caption.className = 'viewer-caption';
  const button = (text: string, id: string, onClick: () => void) => {
    const b = document.createElement('button');
    b.textContent = text;
    b.id = id;
    b.onclick = (e) => {
      e.stopPropagation();
      onClick();
    };
    return b;
  };
  const show = () => {
    const img = images[index]!;
    shown.src = img.src;
    caption.textContent = `${title} — ${index + 1} of ${images.length} · ${img.naturalWidth}×${img.naturalHeight}`;
  };
  const step = (delta: number) => {
    index = (index + delta + images.length) % images.length;
    show();
  };
  const close = () => overlay.remove();
  const bar = document.createElement('div');
  bar.className = 'viewer-bar';
  bar.append(button('‹', 'viewer-prev', () => step(-1)), caption, button('›', 'viewer-next', () => step(1)), button('×', 'viewer-close', close));
  overlay.append(bar, shown);
  // Close on a click beside the image that also began there: the double-click that opened the
  // viewer ends with a click landing on the overlay, which must not close it at once.
  let pressedBeside = false;
  overlay.onpointerdown = (e) => (pressedBeside = e.target === overlay);
  overlay.onclick = (e) => e.target === overlay && pressedBeside && close();
  overlay.onkeydown = (e) => {
    if (e.key === 'Escape') close();
    else if (e.key === 'ArrowLeft') step(-1);
    else if (e.key === 'ArrowRight') step(1);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  show();
  document.body.append(overlay);
  overlay.focus();
  return overlay;
}
