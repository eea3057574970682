import { hasGpuDeviceNode } from '../../sdk/early-exit/index.js';

/**
 * Dawn (the WebGPU runtime inside onnxruntime) prints "Warning: maxDynamicUniformBuffersPerPipelineLayout
 * artificially reduced from 1000000 to 16 ..." (and the same for storage buffers) when it opens
 * a software Vulkan driver such as Mesa's lavapipe, whose limits it lowers to fit its allocator.
 * It writes them from native code straight to the process's stderr, so neither onnxruntime's log
 * level nor Node can hold them back; the CLI explains them once instead.
 */
export const DAWN_NOTE =
  'note: on a software Vulkan driver (no GPU device here) Dawn, the WebGPU runtime, prints ' +
  '"maxDynamic...PerPipelineLayout artificially reduced" warnings when it starts: they are harmless and change no result';

/** Writes the note to stderr when webgpu will run (or was probed) on a software driver. */
export function explainDawnWarnings(device: string): void {
  if (device === 'webgpu' && !hasGpuDeviceNode()) process.stderr.write(`${DAWN_NOTE}\n`);
}
