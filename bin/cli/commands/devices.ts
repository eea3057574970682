import type { Command } from 'commander';
import { chooseDevice, detectDevices, DEVICES } from '../../../sdk/early-exit/index.js';
import { explainDawnWarnings } from '../dawn-note.js';

export function register(program: Command): void {
  program
    .command('devices')
    .description('Which execution devices work here (each is probed by running a tiny model), and what --device auto picks')
    .option('--json', 'print JSON: { devices: [{ device, available, detail, how_to_enable }], auto: { device, reason } }')
    .action(async (options: { json?: boolean }) => {
      const status = await detectDevices();
      const auto = await chooseDevice('auto');
      if (status.webgpu.available) explainDawnWarnings('webgpu');
      if (options.json) {
        const devices = DEVICES.map((d) => ({ device: d, available: status[d].available, detail: status[d].detail, how_to_enable: status[d].howToEnable ?? null }));
        process.stdout.write(`${JSON.stringify({ devices, auto: { device: auto.device, reason: auto.reason } }, null, 2)}\n`);
        return;
      }
      for (const d of DEVICES) {
        const s = status[d];
        process.stdout.write(`${d.padEnd(6)}  ${s.available ? 'available' : 'not available'}: ${s.detail}\n`);
        if (!s.available && s.howToEnable) process.stdout.write(`        to enable: ${s.howToEnable}\n`);
      }
      process.stdout.write(`auto -> ${auto.device} (${auto.reason})\n`);
    });
}
