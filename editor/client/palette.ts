import type { NodeDescription } from '../../sdk/kernel/browser.js';
import { el } from './dom.js';

/**
 * The node palette: every node type by category, with a search box that filters by title, name
 * (the id without its pack prefix: every built-in id starts with `exitgraph/`) and category.
 * Enter adds the first match and clears the search; clicking adds that one.
 */
export function buildPalette(root: HTMLElement, definitions: readonly NodeDescription[], add: (definition: NodeDescription) => void): { focus(): void } {
  const search = el('input', { id: 'node-search', type: 'search', placeholder: 'Search nodes…', autocomplete: 'off', 'aria-label': 'Search nodes' });
  const list = el('div', { id: 'node-list', role: 'listbox' });
  root.append(search, list);

  const render = () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = definitions.filter((d) => {
      const text = `${d.title} ${bareName(d.id)} ${d.category}`.toLowerCase();
      return words.every((w) => text.includes(w));
    });
    // Title matches first, so typing a node's name puts it on top.
    const query = words.join(' ');
    matches.sort((a, b) => rank(a, query) - rank(b, query) || a.category.localeCompare(b.category) || a.title.localeCompare(b.title));
    list.replaceChildren();
    let category = '';
    for (const definition of matches) {
      if (!words.length && definition.category !== category) {
        category = definition.category;
        list.append(el('div', { className: 'palette-category' }, category));
      }
      const item = el('button', { className: 'palette-item', role: 'option', title: `${definition.id}\n${definition.description}`, 'data-node-type': definition.id }, el('span', { className: 'palette-title' }, definition.title), el('span', { className: 'palette-id' }, definition.id));
      item.onclick = () => add(definition);
      list.append(item);
    }
    if (!matches.length) list.append(el('div', { className: 'palette-empty' }, 'no node matches'));
    return matches;
  };
  search.addEventListener('input', () => void render());
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      const first = render()[0];
      if (first) {
        add(first);
        search.value = '';
        render();
      }
    } else if (event.key === 'Escape') {
      search.value = '';
      render();
    }
  });
  render();
  return { focus: () => search.focus() };
}

function rank(definition: NodeDescription, query: string): number {
  if (!query) return 0;
  const title = definition.title.toLowerCase();
  return title === query ? 0 : title.startsWith(query) ? 1 : title.includes(query) ? 2 : 3;
}

/** `exitgraph/ExitSelector` -> `ExitSelector`: the part of an id a user would type. */
function bareName(id: string): string {
  return id.slice(id.indexOf('/') + 1);
}
