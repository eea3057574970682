/** Resize and Upsample: the output size comes from constant sizes or scales. */
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

export const resizeRules: ShapeRules = { Resize: resize, Upsample: resize };
