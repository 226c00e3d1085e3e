// The guest agent's toggles as one small self-contained component: share the clipboard each way, resize the guest
// to the window. It shows the session's settings (agent-state) and changes them with agentSettings; the app's menu
// (desktop) changes the same settings, so every view stays in step.
import type { AgentSettings, PortMessage, RequestMap, RequestMethod } from '../../shared/contract';
import { clipboardText } from '../clipboard/strings';
import { resizeText } from './strings';

export interface AgentTogglesDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  onMessage(listener: (message: PortMessage) => void): () => void;
}

export class AgentToggles {
  readonly element: HTMLElement;
  private readonly boxes = new Map<keyof AgentSettings, HTMLInputElement>();

  constructor(deps: AgentTogglesDeps) {
    this.element = document.createElement('span');
    this.element.className = 'agent-toggles';
    const add = (key: keyof AgentSettings, label: string, title: string): void => {
      const wrap = document.createElement('label');
      wrap.title = title;
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.dataset.setting = key;
      box.addEventListener('change', () => deps.request('agentSettings', { [key]: box.checked }));
      wrap.append(box, ` ${label}`);
      this.element.append(wrap);
      this.boxes.set(key, box);
    };
    add(
      'clipboardToGuest',
      clipboardText('clipboard.share-to-guest'),
      clipboardText('clipboard.share-to-guest.title'),
    );
    add(
      'clipboardToHost',
      clipboardText('clipboard.share-from-guest'),
      clipboardText('clipboard.share-from-guest.title'),
    );
    add('autoResize', resizeText('resize.auto'), resizeText('resize.auto.title'));
    deps.onMessage((m) => {
      if (m.kind !== 'agent-state') return;
      for (const [key, box] of this.boxes) box.checked = m.settings[key];
      this.element.dataset.agent = m.connected ? 'connected' : 'absent';
      this.element.title = m.connected ? '' : clipboardText('clipboard.no-agent');
    });
  }
}
