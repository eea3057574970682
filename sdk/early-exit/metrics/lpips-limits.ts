/**
 * The LPIPS graph's fixed facts, apart from its builder (lpips-graph.ts) so that checking an
 * image's size or naming a cached model does not load the ONNX protobuf code the builder needs.
 */

/** Smallest image side the alex backbone accepts (its second max-pool needs a 3x3 input). */
export const LPIPS_MIN_SIZE = 32;
export const LPIPS_OPSET = 17;
