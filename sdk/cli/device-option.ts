/** The `--device` values every command accepts. */
export const DEVICE_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda'];

export interface PickedDevice {
  readonly device: string;
  readonly reason: string;
}

/** Resolves `--device`; model nodes use the result as `ctx.device`. */
export async function pickDevice(requested: string): Promise<PickedDevice> {
  return requested === 'auto' ? { device: 'cpu', reason: 'auto: cpu' } : { device: requested, reason: 'requested' };
}
