/** Small arithmetic on shapes shared by the rules. */
import { UnknownShape } from './node-view.js';

/** A negative axis counts from the end. */
export const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

export const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** `list[index]`, or UnknownShape naming `what` when the list is too short (a malformed node). */
export function entry(list: readonly number[], index: number, what: string): number {
  const value = list[index];
  if (value === undefined) throw new UnknownShape(`${what} has no entry ${index} (it has ${list.length})`);
  return value;
}

/** An N, C, spatial... shape split into its parts (Conv, pooling, DepthToSpace inputs). */
export function batchChannels(shape: readonly number[], what: string): { batch: number; channels: number; spatial: number[] } {
  const [batch, channels, ...spatial] = shape;
  if (batch === undefined || channels === undefined) throw new UnknownShape(`${what} has rank ${shape.length}, expected at least 2`);
  return { batch, channels, spatial };
}

/** Numpy-style broadcasting of shapes. */
export function broadcast(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d !== 1) {
        if (dim !== 1 && dim !== d) throw new UnknownShape(`shapes [${shapes.map((x) => x.join('x')).join('], [')}] do not broadcast`);
        dim = d;
      }
    }
    out.push(dim);
  }
  return out;
}
