// Mounts the guest agent's page features: the clipboard (saffron web: the browser's clipboard), file drops onto the
// display with the transfer panel, auto-resize reporting and the agent toggles. Each is a self-contained component
// (renderer/clipboard, renderer/transfer, renderer/resize); this is the one hook app.ts calls, and the place the new
// window chrome (issue 18) re-homes the toggles and the panel.
import type { AgentStateMessage } from '../../shared/contract';
import type { Bridge } from '../bridge/bridge';
import { BrowserClipboard } from '../clipboard/browser-clipboard';
import { AgentToggles } from '../resize/agent-toggles';
import { ViewSizeReporter } from '../resize/view-size-reporter';
import { desktopDrop } from '../transfer/desktop-drop';
import { attachDropTarget } from '../transfer/drop-target';
import { PageFiles } from '../transfer/page-files';
import { transferText } from '../transfer/strings';
import { TransferPanel } from '../transfer/transfer-panel';

export interface AgentFeatureHost {
  bridge: Bridge;
  /** The element showing the guest display (drop target, resize source). */
  display: HTMLElement;
  /** Where the toggles go (the toolbar). */
  toolbar: HTMLElement;
  connected: () => boolean;
  notice: (level: 'info' | 'warning' | 'error', message: string) => void;
}

export function mountAgentFeatures(host: AgentFeatureHost): { refreshSize(): void } {
  const { bridge } = host;
  const request = bridge.request.bind(bridge);
  const onMessage = bridge.onMessage.bind(bridge);
  let agent: AgentStateMessage | undefined;
  onMessage((m) => {
    if (m.kind === 'agent-state') {
      const resized = m.settings.autoResize && !agent?.settings.autoResize;
      const attached = m.connected && !agent?.connected;
      agent = m;
      if (resized || attached) sizes.refresh();
    }
  });

  new BrowserClipboard({
    request,
    onMessage,
    clipboard: window.isSecureContext ? navigator.clipboard : undefined,
    notice: host.notice,
  }).attach(window);

  const files = new PageFiles({ request, onMessage, notice: host.notice });
  const desktop = desktopDrop();
  attachDropTarget(host.display, {
    ...(desktop ? { desktop } : {}),
    files,
    accepting: host.connected,
    notice: host.notice,
    refusal: () =>
      !agent?.connected
        ? transferText('transfer.no-agent')
        : !agent.fileTransfer
          ? transferText('transfer.disabled')
          : undefined,
  });
  const panel = new TransferPanel({ request, onMessage });
  document.body.append(panel.element);

  const sizes = new ViewSizeReporter(host.display, {
    request,
    active: host.connected,
    devicePixelRatio: () => window.devicePixelRatio,
    screenPosition: () => ({ x: window.screenX, y: window.screenY }),
  });
  sizes.attach();

  host.toolbar.append(new AgentToggles({ request, onMessage }).element);
  return { refreshSize: () => sizes.refresh() };
}
