/** Tiny DOM helpers for the editor's panels (no framework). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('data-') || key === 'role' || key.startsWith('aria-')) node.setAttribute(key, value);
    else (node as unknown as Record<string, string>)[key] = value;
  }
  node.append(...children);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page lacks #${id}`);
  return node as T;
}

/** A short message at the bottom of the screen. */
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  const box = el('div', { className: `toast ${kind}`, role: 'status' }, message);
  byId('toasts').append(box);
  setTimeout(() => box.remove(), kind === 'error' ? 9000 : 4000);
}

/** A dropdown under `button`, listing `items` (rebuilt each time it opens). */
export function dropdown(button: HTMLElement, items: () => Promise<{ label: string; title?: string; run: () => void }[]>): void {
  button.addEventListener('click', async (event) => {
    event.stopPropagation();
    document.querySelectorAll('.dropdown').forEach((d) => d.remove());
    const menu = el('div', { className: 'dropdown', role: 'menu' });
    let list: Awaited<ReturnType<typeof items>>;
    try {
      list = await items();
    } catch (error) {
      toast((error as Error).message, 'error');
      return;
    }
    if (!list.length) menu.append(el('div', { className: 'dropdown-empty' }, 'nothing here yet'));
    for (const item of list) {
      const entry = el('button', { className: 'dropdown-item', role: 'menuitem', title: item.title ?? '' }, item.label);
      entry.onclick = () => {
        menu.remove();
        item.run();
      };
      menu.append(entry);
    }
    const rect = button.getBoundingClientRect();
    menu.style.left = `${rect.left}px`;
    menu.style.top = `${rect.bottom + 2}px`;
    document.body.append(menu);
    const close = () => {
      menu.remove();
      document.removeEventListener('click', close);
    };
    setTimeout(() => document.addEventListener('click', close), 0);
  });
}

/** An in-page confirmation (Escape or Cancel: no). Resolves whether the user confirmed. */
export function confirmDialog(message: string, confirmLabel: string): Promise<boolean> {
  return new Promise((done) => {
    const cancel = el('button', { id: 'confirm-cancel' }, 'Cancel');
    const ok = el('button', { id: 'confirm-ok', className: 'primary' }, confirmLabel);
    const overlay = el('div', { className: 'confirm-overlay', id: 'confirm-dialog', role: 'alertdialog', 'aria-label': message }, el('div', { className: 'confirm' }, el('p', {}, message), el('div', { className: 'confirm-actions' }, cancel, ok)));
    const finish = (answer: boolean) => {
      overlay.remove();
      done(answer);
    };
    cancel.onclick = () => finish(false);
    ok.onclick = () => finish(true);
    overlay.onkeydown = (e) => e.key === 'Escape' && finish(false);
    document.body.append(overlay);
    ok.focus();
  });
}
