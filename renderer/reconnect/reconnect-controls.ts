// While the session reconnects by itself (status.reconnect): a line with the countdown and attempt, and a Cancel
// button (a disconnect request), placed in a host element the chrome gives it. A self-contained component: it
// builds its own elements and only reads status messages.
import type { StatusMessage } from '../../shared/contract';
import { reconnectText } from './strings';

export class ReconnectControls {
  readonly element: HTMLDivElement;
  private readonly line: HTMLSpanElement;

  constructor(host: HTMLElement, cancel: () => void) {
    this.element = document.createElement('div');
    this.element.id = 'reconnect-controls';
    this.element.hidden = true;
    this.element.setAttribute('role', 'status');
    this.line = document.createElement('span');
    this.line.id = 'reconnect-countdown';
    const button = document.createElement('button');
    button.type = 'button';
    button.id = 'reconnect-cancel';
    button.textContent = reconnectText('reconnect.cancel', {});
    button.addEventListener('click', cancel);
    this.element.append(this.line, ' ', button);
    host.append(this.element);
  }

  update(status: StatusMessage): void {
    const r = status.reconnect;
    this.element.hidden = r === undefined;
    if (!r) return;
    this.line.textContent =
      r.inMs > 0
        ? reconnectText('reconnect.waiting', { seconds: Math.ceil(r.inMs / 1000), attempt: r.attempt })
        : reconnectText('reconnect.trying', { attempt: r.attempt });
  }
}
