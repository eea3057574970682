/** Resize and Upsample (the output size comes from constant sizes or scales), and GridSample (from the grid). */
import { entry, normAxis } from './dims.js';
import { UnknownShape, type ShapeRule, type ShapeRules } from './node-view.js';

/** Resize (opset >= 11) takes X, roi, scales, sizes; Upsample and Resize-10 take X, scales. */
const resize: ShapeRule = (node) => {
  const { op, opset, attrs } = node;
  const s = node.shape(0);
  const sizes = op === 'Resize' && opset >= 11 ? node.value(3) : undefined;
  if (sizes && sizes.length) {
    const axes = attrs.ints('axes');
    if (!axes) return { shapes: [sizes] };
    const out = [...s];
    axes.forEach((axis, i) => (out[normAxis(axis, s.length)] = entry(sizes, i, 'Resize sizes')));
    return { shapes: [out] };
  }
  const scales = op === 'Resize' && opset >= 11 ? node.value(2) : (node.value(1) ?? attrs.floats('scales'));
  if (!scales || !scales.length) throw new UnknownShape(`${op} sizes/scales are not constants`);
  return { shapes: [s.map((d, i) => Math.floor(d * entry(scales, i, `${op} scales`)))] };
};

/**
 * GridSample: X [N, C, H, W] sampled at grid [N, H_out, W_out, 2] gives [N, C, H_out, W_out]
 * (the warps of a face pack's motion path; without this rule every node after a warp had no
 * shape, and its MACs went uncounted).
 */
const gridSample: ShapeRule = (node) => {
  const x = node.shape(0);
  const grid = node.shape(1);
  if (x.length !== 4 || grid.length !== 4) throw new UnknownShape(`GridSample on rank ${x.length} input and rank ${grid.length} grid (only 2-D sampling is counted)`);
  return { shapes: [[x[0]!, x[1]!, grid[1]!, grid[2]!]] };
};

export const resizeRules: ShapeRules = { Resize: resize, Upsample: resize, GridSample: gridSample };
