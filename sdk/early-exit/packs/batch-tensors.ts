/** Stacking one-input tensors into a batch and splitting a batch's outputs back, without copies where possible. */
import * as ort from 'onnxruntime-node';

/** [1, ...] cpu tensors of one shape -> one [N, ...] tensor (the single tensor itself when N = 1). */
export function stackInputs(tensors: readonly ort.Tensor[]): ort.Tensor {
  const first = tensors[0]!;
  if (tensors.length === 1) return first;
  const size = first.data.length;
  const data = new Float32Array(size * tensors.length);
  tensors.forEach((t, i) => data.set(t.data as Float32Array, i * size));
  return new ort.Tensor('float32', data, [tensors.length, ...first.dims.slice(1)]);
}

/**
 * An [N, ...] cpu tensor -> N items of [1, ...], as views of the batch's values, not copies: a
 * batch's results then take no fresh memory per item.
 */
export function splitBatch(tensor: ort.Tensor): { data: Float32Array; dims: number[] }[] {
  const [n, ...rest] = tensor.dims;
  const data = tensor.data as Float32Array;
  const size = data.length / n!;
  return Array.from({ length: n! }, (_, i) => ({ data: data.subarray(i * size, (i + 1) * size), dims: [1, ...rest] }));
}
