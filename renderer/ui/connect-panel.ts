// The connect panel: host/port/password/TLS form, recent connections (never with passwords), .vv file
// open/drop, and the session status and errors shown in the window itself.
import type { RecentConnection, RequestMap, RequestMethod, StatusMessage } from '../../shared/contract';
import { LIMITS } from '../../shared/contract';
import { byId } from './dom';

export interface ConnectPanelDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
}

export class ConnectPanel {
  private readonly form = byId('connect-form', HTMLFormElement);
  private readonly host = byId('host', HTMLInputElement);
  private readonly port = byId('port', HTMLInputElement);
  private readonly password = byId('password', HTMLInputElement);
  private readonly tls = byId('tls', HTMLInputElement);
  private readonly status = byId('status', HTMLDivElement);
  private readonly error = byId('error', HTMLDivElement);
  private readonly reconnect = byId('reconnect-button', HTMLButtonElement);
  private readonly connectButton = byId('connect-button', HTMLButtonElement);
  private readonly recent = byId('recent', HTMLUListElement);
  private readonly recentEmpty = byId('recent-empty', HTMLParagraphElement);
  private readonly vvFile = byId('vv-file', HTMLInputElement);
  private readonly panel = byId('connect-panel', HTMLElement);

  constructor(private readonly deps: ConnectPanelDeps) {}

  attach(): void {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const port = Number(this.port.value);
      const host = this.host.value.trim();
      if (host === '' || !Number.isInteger(port) || port < 1 || port > 65535) {
        this.showError('Enter a host and a port between 1 and 65535.');
        return;
      }
      const payload: RequestMap['connect'] = { host, port, tls: this.tls.checked };
      if (this.password.value !== '') payload.password = this.password.value;
      this.deps.request('connect', payload);
    });
    // After "needs a password" / "wrong password", Reconnect retries the same connection (URI, .vv with its proxy
    // and TLS settings, or the form) with the password typed here.
    this.reconnect.addEventListener('click', () =>
      this.deps.request('reconnect', this.password.value ? { password: this.password.value } : {}),
    );
    this.vvFile.addEventListener('change', () => {
      const file = this.vvFile.files?.[0];
      if (file) void this.openFile(file);
      this.vvFile.value = '';
    });
    // Drop a .vv file on the window.
    const root = document.body;
    root.addEventListener('dragover', (e) => {
      if (!e.dataTransfer?.types.includes('Files')) return;
      e.preventDefault();
      this.panel.classList.add('drop-target');
    });
    root.addEventListener('dragleave', () => this.panel.classList.remove('drop-target'));
    root.addEventListener('drop', (e) => {
      e.preventDefault();
      this.panel.classList.remove('drop-target');
      const file = e.dataTransfer?.files[0];
      if (file) void this.openFile(file);
    });
  }

  async openFile(file: File): Promise<void> {
    if (file.size > LIMITS.maxVvTextLength) {
      this.showError(`${file.name} is too large to be a .vv connection file.`);
      return;
    }
    const text = await file.text();
    this.deps.request('openVv', { fileName: file.name.slice(0, LIMITS.maxFileNameLength), text });
  }

  showError(message: string): void {
    this.error.hidden = message === '';
    this.error.textContent = message;
  }

  setStatus(status: StatusMessage): void {
    this.status.textContent = status.state === 'error' ? '' : status.message;
    this.showError(status.state === 'error' ? status.message : '');
    this.reconnect.hidden = !status.canReconnect;
    this.connectButton.disabled = status.state === 'connecting';
    if (status.state === 'error' && status.errorCode && /password/.test(status.errorCode))
      this.password.focus();
  }

  setRecent(entries: RecentConnection[]): void {
    this.recent.replaceChildren();
    this.recentEmpty.hidden = entries.length > 0;
    for (const entry of entries) {
      const li = document.createElement('li');
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'link';
      open.textContent = entry.label;
      open.title = 'Fill in this connection (add the password if it needs one)';
      open.addEventListener('click', () => {
        this.host.value = entry.host;
        this.port.value = String(entry.port);
        this.tls.checked = entry.tls;
        this.password.focus();
      });
      const connect = document.createElement('button');
      connect.type = 'button';
      connect.textContent = 'Connect';
      connect.addEventListener('click', () => {
        const payload: RequestMap['connect'] = { host: entry.host, port: entry.port, tls: entry.tls };
        if (this.password.value !== '') payload.password = this.password.value;
        this.deps.request('connect', payload);
      });
      const forget = document.createElement('button');
      forget.type = 'button';
      forget.textContent = 'Forget';
      forget.addEventListener('click', () => this.deps.request('forgetRecent', { id: entry.id }));
      li.append(open, connect, forget);
      this.recent.append(li);
    }
  }
}
