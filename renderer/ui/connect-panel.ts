// The connect window: the host/port/password/TLS form with validation as you type, recent connections as cards
// (connect, fill in, remove; never with passwords), the .vv drop zone and file picker, the connection status, and
// errors as a card that names the problem (by the status' errorCode, in the user's language), shows the technical
// detail, and offers the action (retry, or the password field when one is needed).
import type { RecentConnection, RequestMap, RequestMethod, StatusMessage } from '../../shared/contract';
import { LIMITS } from '../../shared/contract';
import type { MessageKey } from '../../shared/i18n';
import type { PageLanguage } from '../chrome/page-language';
import { validateHost, validatePort } from './connect-validation';
import { byId } from './dom';
import type { DesktopDrop } from '../transfer/desktop-drop';

export interface ConnectPanelDeps {
  request<M extends RequestMethod>(method: M, payload: RequestMap[M]): void;
  language: PageLanguage;
  now?: () => number;
  /** In the desktop app: a .vv goes to main by path (transfer/desktop-drop.ts). */
  desktop?: DesktopDrop;
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
  private readonly vvError = byId('vv-error', HTMLParagraphElement);
  private readonly panel = byId('connect-panel', HTMLElement);
  private lastStatus: StatusMessage | undefined;
  private entries: RecentConnection[] = [];
  private localError: { key: MessageKey; params: Record<string, string> } | undefined;

  constructor(private readonly deps: ConnectPanelDeps) {}

  attach(): void {
    const check = (final: boolean) => this.validate(final);
    this.host.addEventListener('input', () => check(false));
    this.port.addEventListener('input', () => check(false));
    this.host.addEventListener('blur', () => check(false));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const valid = check(true);
      if (!valid) return;
      const payload: RequestMap['connect'] = {
        host: valid.host,
        port: valid.port,
        tls: this.tls.checked,
      };
      if (this.password.value !== '') payload.password = this.password.value;
      this.deps.request('connect', payload);
    });
    // After "needs a password" / "wrong password", the retry button reconnects the same connection (URI, .vv with
    // its proxy and TLS settings, or the form) with the password typed here.
    this.reconnect.addEventListener('click', () => {
      if (
        this.lastStatus?.errorCode &&
        /password|auth/.test(this.lastStatus.errorCode) &&
        this.password.value === ''
      ) {
        this.password.focus();
        return;
      }
      this.deps.request('reconnect', this.password.value ? { password: this.password.value } : {});
    });
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
    this.deps.language.onChange(() => this.relabel());
  }

  /** Checks the form; `final` also flags empty fields. Returns the values when they are valid. */
  private validate(final: boolean): { host: string; port: number } | undefined {
    const { t } = this.deps.language;
    const host = validateHost(this.host.value, final);
    const port = validatePort(this.port.value, final);
    setFieldError(this.host, host.error ? t(host.error.key, host.error.params) : '');
    setFieldError(this.port, port.error ? t(port.error.key, port.error.params) : '');
    if (final && host.error) this.host.focus();
    else if (final && port.error) this.port.focus();
    return host.value !== undefined && port.value !== undefined
      ? { host: host.value, port: port.value }
      : undefined;
  }

  async openFile(file: File): Promise<void> {
    const { t } = this.deps.language;
    const name = file.name.slice(0, LIMITS.maxFileNameLength);
    this.vvError.textContent = '';
    // In the desktop app a .vv is opened from disk by path, so its delete-this-file=1 can be honoured.
    if (/\.vv$/i.test(file.name) && this.deps.desktop?.dropFiles([file], 'open')) return;
    if (file.size > LIMITS.maxVvTextLength) {
      this.vvError.textContent = t('validate.vv-too-large', { name });
      return;
    }
    const text = await file.text();
    if (!/^\s*\[virt-viewer\]/im.test(text)) {
      this.vvError.textContent = t('validate.vv-not-vv', { name });
      return;
    }
    this.deps.request('openVv', { fileName: name, text });
  }

  setStatus(status: StatusMessage): void {
    this.fillForm(status.form);
    this.lastStatus = status;
    this.localError = undefined;
    this.connectButton.disabled = status.state === 'connecting';
    this.renderStatus();
    if (status.state === 'error' && status.errorCode && /password|auth/.test(status.errorCode))
      this.password.focus();
  }

  /** An error the page found itself (the link to Saffron was lost). */
  showLinkLost(detail: string): void {
    this.lastStatus = {
      kind: 'status',
      state: 'error',
      message: detail,
      canReconnect: false,
      errorCode: 'link-lost',
    };
    this.renderStatus();
  }

  private renderStatus(): void {
    const { t } = this.deps.language;
    const has = (k: string) => this.deps.language.has(k);
    const status = this.lastStatus;
    if (!status) return;
    const code = status.errorCode ?? 'unknown';
    const isError = status.state === 'error';
    // While the session reconnects by itself, the line says the connection was lost (the countdown and Cancel are
    // renderer/reconnect's); the session's own sentence, with the reason, is the tooltip.
    this.status.textContent = isError
      ? ''
      : status.reconnect
        ? t('status.connection-lost')
        : status.state === 'connecting'
          ? t('status.connecting')
          : status.state === 'disconnected'
            ? t('status.disconnected')
            : '';
    this.status.title = status.reconnect ? status.message : '';
    this.error.hidden = !isError;
    if (isError) {
      const title = `error.${code}.title`;
      const body = `error.${code}.body`;
      byId('error-title', HTMLElement).textContent = has(title) ? t(title) : t('error.title');
      byId('error-body', HTMLElement).textContent = has(body) ? t(body) : '';
      byId('error-detail', HTMLElement).textContent = status.message;
    }
    this.reconnect.hidden = !(isError && status.canReconnect);
    this.reconnect.textContent =
      isError && /password|auth/.test(code) && this.password.value === ''
        ? t('action.enter-password')
        : t('action.retry');
  }

  /** Shows the session's target in the form (unless the user is typing in it), so Connect reaches it again. */
  private fillForm(form: StatusMessage['form']): void {
    if (!form || typeof form.host !== 'string' || !Number.isInteger(form.port)) return;
    const editing = document.activeElement === this.host || document.activeElement === this.port;
    if (editing) return;
    this.host.value = form.host;
    this.port.value = String(form.port);
    this.tls.checked = form.tls === true;
  }

  setRecent(entries: RecentConnection[]): void {
    this.entries = entries;
    this.renderRecent();
  }

  private renderRecent(): void {
    const { t } = this.deps.language;
    this.recent.replaceChildren();
    this.recentEmpty.hidden = this.entries.length > 0;
    const now = (this.deps.now ?? Date.now)();
    for (const entry of this.entries) {
      const li = document.createElement('li');
      li.className = 'card recent-card';
      const name = entry.label;
      const title = document.createElement('button');
      title.type = 'button';
      title.className = 'recent-name';
      title.textContent = name;
      title.setAttribute('aria-label', t('recent.edit-label', { name }));
      title.addEventListener('click', () => {
        this.host.value = entry.host;
        this.port.value = String(entry.port);
        this.tls.checked = entry.tls;
        this.validate(false);
        this.password.focus();
      });
      const meta = document.createElement('span');
      meta.className = 'recent-meta';
      meta.textContent = [
        entry.tls ? t('recent.tls') : '',
        lastUsed(t, now - entry.lastUsedMs, entry.lastUsedMs, this.deps.language.locale),
      ]
        .filter((s) => s !== '')
        .join(' · ');
      const connect = document.createElement('button');
      connect.type = 'button';
      connect.className = 'btn primary';
      connect.textContent = t('recent.connect');
      connect.setAttribute('aria-label', t('recent.connect-label', { name }));
      connect.addEventListener('click', () => {
        const payload: RequestMap['connect'] = { host: entry.host, port: entry.port, tls: entry.tls };
        if (this.password.value !== '') payload.password = this.password.value;
        this.deps.request('connect', payload);
      });
      const forget = document.createElement('button');
      forget.type = 'button';
      forget.className = 'btn quiet';
      forget.textContent = t('recent.remove');
      forget.setAttribute('aria-label', t('recent.remove-label', { name }));
      forget.addEventListener('click', () => this.deps.request('forgetRecent', { id: entry.id }));
      const text = document.createElement('div');
      text.className = 'recent-text';
      text.append(title, meta);
      li.append(text, connect, forget);
      this.recent.append(li);
    }
  }

  private relabel(): void {
    this.renderStatus();
    this.renderRecent();
    if (this.host.getAttribute('aria-invalid') || this.port.getAttribute('aria-invalid'))
      this.validate(false);
  }
}

function setFieldError(input: HTMLInputElement, message: string): void {
  const describedBy = input.getAttribute('aria-describedby');
  const box = describedBy ? document.getElementById(describedBy) : null;
  if (box) box.textContent = message;
  if (message === '') input.removeAttribute('aria-invalid');
  else input.setAttribute('aria-invalid', 'true');
}

function lastUsed(t: PageLanguage['t'], agoMs: number, atMs: number, locale: string): string {
  const minutes = Math.floor(agoMs / 60_000);
  if (minutes < 1) return t('recent.just-now');
  if (minutes < 60) return t('recent.minutes-ago', { count: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('recent.hours-ago', { count: hours });
  const days = Math.floor(hours / 24);
  if (days < 7) return t('recent.days-ago', { count: days });
  return t('recent.on-date', { date: new Date(atMs).toLocaleDateString(locale) });
}
