import { chooseDevice, type DeviceChoice, type DeviceRequest } from '../../sdk/early-exit/index.js';
import { CliError, EXIT } from './cli-host.js';
import { explainDawnWarnings } from './dawn-note.js';

/** The `--device` values every command accepts. */
export const DEVICE_CHOICES = ['auto', 'cpu', 'webgpu', 'cuda'];

/**
 * Resolves `--device`: `auto` says what it picked and why; a device that is not here is an
 * invalid-arguments error naming it and how to enable it.
 */
export async function pickDevice(requested: string): Promise<DeviceChoice> {
  let choice: DeviceChoice;
  try {
    choice = await chooseDevice(requested as DeviceRequest);
  } catch (error) {
    throw new CliError((error as Error).message, EXIT.invalid);
  }
  explainDawnWarnings(choice.device);
  return choice;
}
