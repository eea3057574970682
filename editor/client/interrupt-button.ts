/**
 * The Interrupt button's feedback: "interrupting…" from the click until the server confirms
 * (`execution_interrupted`, or the prompt ends anyway: success, error, `executing` with node
 * null), then the button is as before. A click with nothing running says so at once.
 */
import { api } from './api.js';
import { toast } from './dom.js';
import type { ExecutionTracker } from './execution.js';

const ENDS = new Set(['execution_interrupted', 'execution_success', 'execution_error']);

export function bindInterruptButton(button: HTMLButtonElement, tracker: ExecutionTracker): void {
  const label = button.textContent ?? 'Interrupt';
  let waiting = false;
  const done = () => {
    waiting = false;
    button.textContent = label;
    button.disabled = false;
    delete button.dataset.state;
  };
  tracker.onMessage((type, data) => {
    if (waiting && (ENDS.has(type) || (type === 'executing' && data.node === null))) done();
  });
  button.onclick = async () => {
    if (waiting) return;
    waiting = true;
    button.textContent = 'interrupting…';
    button.disabled = true;
    button.dataset.state = 'interrupting';
    try {
      const { interrupted } = await api.interrupt();
      if (!interrupted && waiting) {
        done();
        toast('nothing is running');
      }
    } catch (error) {
      done();
      toast((error as Error).message, 'error');
    }
  };
}
