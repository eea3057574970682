import { describe, expect, it } from 'vitest';
import { GraphHistory } from '../../editor/client/graph-history.js';

describe('graph history (undo/redo)', () => {
  it('steps back and forth, and a new change drops what was undone', () => {
    const h = new GraphHistory();
    h.reset('a');
    expect(h.record('b')).toBe(true);
    expect(h.record('c')).toBe(true);
    expect(h.undo()).toBe('b');
    expect(h.undo()).toBe('a');
    expect(h.undo()).toBeUndefined();
    expect(h.redo()).toBe('b');
    h.record('d');
    expect(h.redo()).toBeUndefined();
    expect(h.undo()).toBe('b');
  });

  it('does not count an unchanged graph, by its key, as a step', () => {
    const h = new GraphHistory(100, (s) => s.replace(/size=\d+/, ''));
    h.reset('x size=1');
    expect(h.record('x size=2')).toBe(false);
    expect(h.canUndo).toBe(false);
    h.record('y size=2');
    expect(h.undo()).toBe('x size=2');
  });

  it('keeps at most `limit` steps', () => {
    const h = new GraphHistory(3);
    h.reset('0');
    for (const s of ['1', '2', '3', '4', '5']) h.record(s);
    const back: string[] = [];
    for (let s = h.undo(); s !== undefined; s = h.undo()) back.push(s);
    expect(back).toEqual(['4', '3', '2']);
  });
});
