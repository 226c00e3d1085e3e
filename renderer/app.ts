// The renderer application: one monitor view. Wires the bridge's view messages to the canvas, cursor, status, the
// connect window and the viewer chrome (toolbar, settings, feature slot), and the user's input (keyboard, pointer,
// toolbar, shortcuts, menu commands) back to the bridge. Every text is from the message catalogue (PageLanguage).
import type { PortMessage, RequestMap, RequestMethod, SessionState, ViewCommand } from '../shared/contract';
import { SEND_KEY_COMBOS, VIEW_COMMANDS } from '../shared/contract';
import { effectiveShortcuts, type AppCommand, type VvHotkey } from '../shared/commands';
import { sendKeyLabel } from '../shared/keyboard-map';
import type { Settings } from '../shared/settings';
import { formatShortcut, matchesShortcut, type Shortcut } from '../shared/shortcuts';
import {
  SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK,
  SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK,
  SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK,
  SPICE_MOUSE_MODE_CLIENT,
  SPICE_MOUSE_MODE_SERVER,
} from '../shared/spice-enums';
import type { ViewGeometry, ZoomMode } from '../shared/zoom';
import { geometryFor, stepZoom } from '../shared/zoom';
import type { Bridge } from './bridge/bridge';
import { mountAgentFeatures } from './agent/mount-agent-features';
import { FeatureHost, type FeatureControl } from './chrome/feature-host';
import { PageLanguage, applyTheme } from './chrome/page-language';
import { SettingsDialog } from './chrome/settings-dialog';
import { ToolbarReveal } from './chrome/toolbar-reveal';
import { CanvasDisplay } from './display/canvas-display';
import { CursorView } from './display/cursor-view';
import { KeyboardInput } from './input/keyboard-input';
import { PointerInput } from './input/pointer-input';
import { AudioView } from './audio/audio-view';
import { ConnectPanel } from './ui/connect-panel';
import { ReconnectControls } from './reconnect/reconnect-controls';
import { byId } from './ui/dom';
import { mountUsb, type UsbMount } from './usb/usb-feature';
import { VideoLayer } from './video/video-layer';
import { desktopDrop } from './transfer/desktop-drop';

export class App {
  private state: SessionState = 'idle';
  private statusTarget: string | undefined;
  private shell: 'electron' | 'web' = 'web';
  private monitor = 0;
  private guest = { width: 0, height: 0 };
  private zoom: ZoomMode = { kind: 'fit' };
  private geometry: ViewGeometry = { cssWidth: 0, cssHeight: 0, scale: 1, pixelated: false };
  private mouseMode: number = SPICE_MOUSE_MODE_SERVER;
  private grabbed = false;
  private settings: Settings | undefined;
  private vvHotkeys: Partial<Record<VvHotkey, string>> = {};
  private shortcuts = effectiveShortcuts({}, {});
  private agentFeatures: { refreshSize(): void } | undefined;

  private readonly viewport = byId('viewport', HTMLElement);
  private readonly stage = byId('stage', HTMLDivElement);
  private readonly canvas = byId('screen', HTMLCanvasElement);
  private readonly display: CanvasDisplay;
  private readonly cursor: CursorView;
  private readonly keyboard: KeyboardInput;
  private readonly pointer: PointerInput;
  private readonly panel: ConnectPanel;
  private readonly settingsDialog: SettingsDialog;
  private readonly toolbarReveal: ToolbarReveal;
  readonly language = new PageLanguage(document, () => navigator.languages);
  /** Where feature controls (clipboard, USB, audio, …) mount in the toolbar: docs/ui.md, "Feature controls". */
  readonly features: FeatureHost;
  private usb: UsbMount | undefined;
  /** The session reconnected by itself after a drop (the status bar says "Reconnected" until the next change). */
  private reconnected = false;
  private readonly reconnectControls: ReconnectControls;
  private readonly video: VideoLayer;

  constructor(private readonly bridge: Bridge) {
    const request = <M extends RequestMethod>(method: M, payload: RequestMap[M]) =>
      bridge.request(method, payload);
    this.display = new CanvasDisplay(this.canvas, (seq) => request('frameAck', { seq }));
    // The automatic reconnection's countdown and Cancel sit under the connect window's status line.
    this.reconnectControls = new ReconnectControls(byId('connect-panel', HTMLElement), () =>
      request('disconnect', {}),
    );
    byId('status', HTMLDivElement).after(this.reconnectControls.element);
    this.cursor = new CursorView(this.canvas, byId('guest-cursor', HTMLImageElement));
    this.keyboard = new KeyboardInput(window, {
      request,
      isActive: () =>
        this.displayActive() && !isEditable(document.activeElement) && !this.settingsDialog.isOpen,
      isGrabbed: () => this.grabbed,
      shortcutFor: (e) => this.shortcutFor(e),
      onCommand: (c) => this.runAppCommand(c),
    });
    this.pointer = new PointerInput(this.canvas, {
      request,
      isActive: () => this.displayActive(),
      mouseMode: () => this.mouseMode,
      geometry: () => this.geometry,
      guestSize: () => this.guest,
      devicePixelRatio: () => window.devicePixelRatio || 1,
      onGrabChange: (grabbed) => {
        this.grabbed = grabbed;
        if (!grabbed) this.keyboard.releaseAll();
        this.updateCursorPlacement();
        this.updateStatusBar();
      },
      onPointerPosition: (x, y) => this.cursor.followPointer(x, y),
      onInteraction: (e) => {
        if (this.keyboard.needsSync) this.keyboard.syncLocks(e);
      },
    });
    const desktop = desktopDrop();
    this.panel = new ConnectPanel({ request, language: this.language, ...(desktop ? { desktop } : {}) });
    this.settingsDialog = new SettingsDialog(document, {
      language: this.language,
      save: (patch) => request('setSettings', patch),
    });
    this.toolbarReveal = new ToolbarReveal(document, byId('toolbar', HTMLElement));
    this.features = new FeatureHost(byId('feature-controls', HTMLElement), {
      t: (key, params) => this.language.t(key, params),
      request,
    });
    this.video = new VideoLayer(this.canvas, {
      feedback: (report) => request('videoFeedback', report),
      decoders: (codecs) => request('videoDecoders', { codecs }),
    });
  }

  start(): void {
    this.language.setLanguage('system');
    this.language.onChange(() => {
      this.features.relabel();
      this.updateStatusBar();
      this.updateZoomLevel();
      this.updateShortcutTitles();
    });
    this.startAudio();
    this.panel.attach();
    this.startUsb();
    this.keyboard.attach();
    this.pointer.attach();
    this.toolbarReveal.attach();
    this.setupToolbar();
    this.updateShortcutTitles();
    // The guest agent's controls (clipboard, transfers, auto-resize) go into the toolbar's feature slot.
    this.agentFeatures = mountAgentFeatures({
      bridge: this.bridge,
      display: this.viewport,
      toolbar: byId('feature-controls', HTMLElement),
      connected: () => this.state === 'connected',
      notice: (level, message) => this.notice(level, message),
    });
    // Shortcuts while the display is not taking keys (connect window): settings, fullscreen, open file…
    window.addEventListener('keydown', (e) => {
      if (this.displayActive() || e.repeat || isEditable(document.activeElement)) return;
      const command = this.shortcutFor(e);
      if (!command) return;
      e.preventDefault();
      this.runAppCommand(command);
    });
    window.addEventListener('resize', () => this.layout());
    document.addEventListener('fullscreenchange', () => {
      const on = document.fullscreenElement !== null;
      document.body.classList.toggle('fullscreen', on);
      this.toolbarReveal.setFullscreen(on);
      const button = document.querySelector<HTMLButtonElement>('#toolbar button[data-command="fullscreen"]');
      if (button) button.dataset.i18n = on ? 'command.exit-fullscreen' : 'command.fullscreen';
      this.language.translate(byId('toolbar', HTMLElement));
      this.layout();
    });
    this.bridge.onMessage((m) => this.onMessage(m));
    this.bridge.onLinkLost((reason) => {
      this.state = 'error';
      document.body.classList.remove('connected');
      document.body.dataset.state = 'error';
      this.panel.showLinkLost(reason);
      this.updateStatusBar();
    });
    this.bridge.request('viewReady', {});
    void this.video.start();
  }

  /** Sound and microphone (renderer/audio): its controls go in the toolbar's feature slot; tests read it with
   * #audio-test=1. */
  private startAudio(): void {
    const audio = new AudioView(this.bridge, document);
    this.features.mount({
      id: 'audio',
      mount: (slot) => {
        // The chrome's button look (.btn) for the feature's own buttons.
        for (const button of audio.controls.element.querySelectorAll('button')) button.classList.add('btn');
        slot.append(audio.controls.element);
      },
    });
    audio.start();
    if (new URLSearchParams(location.hash.slice(1)).has('audio-test'))
      Object.assign(window, { saffronAudioTest: audio.testHooks() });
  }

  /** USB (renderer/usb): the picker's opener is the USB button in the toolbar's feature slot. Mounted before the
   * keyboard attaches, so the usb-device-reset hotkey is caught ahead of the guest. */
  private startUsb(): void {
    let opener: HTMLButtonElement | undefined;
    this.features.mount({
      id: 'usb',
      mount: (slot) => {
        opener = document.createElement('button');
        opener.type = 'button';
        opener.className = 'btn';
        opener.dataset.action = 'usb';
        slot.append(opener);
      },
    });
    this.usb = mountUsb(document.body, {
      request: (method, payload) => this.bridge.request(method, payload),
      shell: () => this.shell,
      isActive: () => this.displayActive(),
      opener: opener ?? null,
    });
  }

  /** Mounts a feature's control in the toolbar (see FeatureHost). */
  mountFeature(control: FeatureControl): () => void {
    return this.features.mount(control);
  }

  private displayActive(): boolean {
    return this.state === 'connected' && this.guest.width > 0;
  }

  private shortcutFor(e: KeyboardEvent): AppCommand | undefined {
    for (const [command, shortcut] of this.shortcuts) if (matchesShortcut(shortcut, e)) return command;
    return undefined;
  }

  private onMessage(m: PortMessage): void {
    switch (m.kind) {
      case 'status': {
        const wasConnected = this.state === 'connected';
        if (m.reconnect) this.reconnected = true;
        else if (m.state !== 'connected') this.reconnected = false;
        this.state = m.state;
        this.statusTarget = m.target;
        document.body.classList.toggle('connected', m.state === 'connected');
        if (m.state === 'connected') this.agentFeatures?.refreshSize();
        document.body.dataset.state = m.state;
        this.panel.setStatus(m);
        this.reconnectControls.update(m);
        if (m.state !== 'connected') {
          this.pointer.ungrab();
          this.keyboard.releaseAll();
        } else if (!wasConnected) {
          this.zoom = this.defaultZoom();
        }
        this.updateStatusBar();
        this.layout();
        return;
      }
      case 'view':
        this.monitor = m.monitor;
        this.shell = m.shell;
        document.title = m.title;
        this.canvas.setAttribute(
          'aria-label',
          m.title
            ? this.language.t('viewer.display', { name: m.title })
            : this.language.t('viewer.display-unnamed'),
        );
        return;
      case 'surface':
        this.guest = { width: m.width, height: m.height };
        this.display.resize(m.width, m.height);
        this.video.resize(m.width, m.height);
        this.layout();
        return;
      case 'damage':
        this.display.damage(m);
        return;
      case 'frame-end':
        this.display.frameEnd(m.seq);
        return;
      case 'video-stream':
        this.video.stream(m);
        return;
      case 'video-frame':
        this.video.frame(m);
        return;
      case 'video-stream-end':
        this.video.end(m);
        return;
      case 'cursor-shape':
        this.cursor.setShape(m.cursor);
        return;
      case 'cursor-state':
        this.cursor.setState(m.x, m.y, m.visible);
        return;
      case 'mouse-mode':
        this.mouseMode = m.mode;
        document.body.dataset.mouseMode = m.mode === SPICE_MOUSE_MODE_CLIENT ? 'client' : 'server';
        if (m.mode === SPICE_MOUSE_MODE_CLIENT) this.pointer.ungrab();
        this.updateCursorPlacement();
        this.updateStatusBar();
        return;
      case 'modifiers': {
        this.keyboard.setGuestModifiers(m.modifiers);
        const leds: [string, number][] = [
          ['led-caps', SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK],
          ['led-num', SPICE_KEYBOARD_MODIFIER_FLAGS_NUM_LOCK],
          ['led-scroll', SPICE_KEYBOARD_MODIFIER_FLAGS_SCROLL_LOCK],
        ];
        for (const [id, flag] of leds)
          byId(id, HTMLSpanElement).classList.toggle('on', (m.modifiers & flag) !== 0);
        return;
      }
      case 'command':
        this.runCommand(m.command);
        return;
      case 'recent':
        this.panel.setRecent(m.entries);
        return;
      case 'notice':
        this.notice(m.level, m.message);
        return;
      case 'settings':
        this.applySettings(m.settings, m.persistent);
        return;
      case 'hotkeys':
        this.vvHotkeys = m.hotkeys;
        this.settingsDialog.setVvHotkeys(m.hotkeys);
        this.updateShortcuts();
        return;
      case 'usb-state':
      case 'usb-result':
        this.usb?.receive(m);
        return;
      // The audio family is renderer/audio's (AudioView subscribes to the bridge itself).
      case 'audio-state':
      case 'audio-start':
      case 'audio-frame':
      case 'audio-gain':
      case 'audio-stop':
      case 'record-start':
      case 'record-stop':
      // The guest agent's messages: renderer/clipboard, renderer/transfer, renderer/resize (mountAgentFeatures).
      case 'agent-state':
      case 'clipboard-offer':
      case 'clipboard-data':
      case 'clipboard-fetch-failed':
      case 'clipboard-host-request':
      case 'transfer-read':
      case 'transfer-progress':
        return;
    }
  }

  private applySettings(settings: Settings, persistent: boolean): void {
    const languageChanged = this.settings?.language !== settings.language;
    this.settings = settings;
    applyTheme(document, settings.theme);
    if (languageChanged) this.language.setLanguage(settings.language);
    this.settingsDialog.setSettings(settings, persistent);
    this.updateShortcuts();
  }

  private updateShortcuts(): void {
    this.shortcuts = effectiveShortcuts(this.settings?.shortcuts ?? {}, this.vvHotkeys);
    this.updateShortcutTitles();
    this.updateStatusBar();
  }

  private defaultZoom(): ZoomMode {
    const setting = this.settings?.defaultZoom ?? 'fit';
    return setting === 'fit' ? { kind: 'fit' } : { kind: 'fixed', scale: setting === '200' ? 2 : 1 };
  }

  /** Commands from shortcuts and the toolbar (the page's own, beyond the contract's view commands). */
  runAppCommand(command: AppCommand): void {
    if ((VIEW_COMMANDS as readonly string[]).includes(command)) {
      this.runCommand(command as ViewCommand);
      return;
    }
    switch (command) {
      case 'secure-attention':
        this.bridge.request('sendKeys', { combo: 'ctrl-alt-del' });
        return;
      case 'settings':
        this.settingsDialog.open();
        return;
      case 'disconnect':
        this.bridge.request('disconnect', {});
        return;
      case 'reconnect':
        this.bridge.request('reconnect', {});
        return;
      case 'open-file':
        byId('vv-file', HTMLInputElement).click();
        return;
      default:
        return; // about, quit, shortcuts-help: the desktop app's native menus
    }
  }

  runCommand(command: ViewCommand): void {
    switch (command) {
      case 'fullscreen':
        if (this.shell === 'electron') this.bridge.request('command', { command });
        else if (document.fullscreenElement) void document.exitFullscreen();
        else void document.documentElement.requestFullscreen().catch(() => {});
        return;
      case 'zoom-fit':
        this.zoom = { kind: 'fit' };
        break;
      case 'zoom-100':
        this.zoom = { kind: 'fixed', scale: 1 };
        break;
      case 'zoom-in':
      case 'zoom-out':
        this.zoom = { kind: 'fixed', scale: stepZoom(this.geometry.scale, command === 'zoom-in' ? 1 : -1) };
        break;
      case 'release-cursor':
        this.pointer.ungrab();
        this.keyboard.releaseAll();
        return;
      case 'screenshot':
        void this.screenshot();
        return;
      case 'usb-devices':
        this.usb?.picker.toggle();
        return;
    }
    this.layout();
  }

  private async screenshot(): Promise<void> {
    const blob = await this.display.toPngBlob();
    if (!blob) {
      this.notice('error', this.language.t('toast.screenshot-failed'));
      return;
    }
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    a.href = url;
    a.download = `saffron-screenshot-${stamp}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    this.notice('info', this.language.t('toast.screenshot-saved', { name: a.download }));
  }

  private layout(): void {
    if (this.guest.width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const viewport = { width: this.viewport.clientWidth, height: this.viewport.clientHeight };
    this.geometry = geometryFor(this.zoom, this.guest, viewport, dpr);
    this.canvas.style.width = `${this.geometry.cssWidth}px`;
    this.canvas.style.height = `${this.geometry.cssHeight}px`;
    this.canvas.classList.toggle('pixelated', this.geometry.pixelated);
    this.stage.style.width = `${this.geometry.cssWidth}px`;
    this.stage.style.height = `${this.geometry.cssHeight}px`;
    this.canvas.dataset.scale = this.geometry.scale.toFixed(3);
    this.updateCursorPlacement();
    this.updateZoomLevel();
  }

  private updateZoomLevel(): void {
    const label = byId('zoom-level', HTMLSpanElement);
    label.textContent = this.language.t('viewer.zoom-level', {
      percent: String(Math.round(this.geometry.scale * 100)),
    });
  }

  private updateCursorPlacement(): void {
    this.cursor.setPlacement({
      cssScale: this.guest.width > 0 ? this.geometry.cssWidth / this.guest.width : 1,
      osCursor: this.mouseMode === SPICE_MOUSE_MODE_CLIENT,
      locked: this.grabbed,
    });
  }

  /** The status bar shows the state once (errors are in the error card, not repeated here). */
  private updateStatusBar(): void {
    const { t } = this.language;
    const text =
      this.state === 'connected'
        ? this.statusTarget
          ? t(this.reconnected ? 'status.reconnected' : 'status.connected', { target: this.statusTarget })
          : t('status.connected-unknown')
        : t(`status.${this.state}`);
    byId('status-text', HTMLSpanElement).textContent = text;
    const release = this.shortcuts.get('release-cursor');
    byId('mouse-mode-indicator', HTMLSpanElement).textContent =
      this.state !== 'connected'
        ? ''
        : this.mouseMode === SPICE_MOUSE_MODE_CLIENT
          ? t('status.mouse-client')
          : this.grabbed
            ? t('status.mouse-grabbed', {
                keys: release ? `Ctrl+Alt / ${formatShortcut(release)}` : 'Ctrl+Alt',
              })
            : t('status.mouse-server');
  }

  /** Toolbar buttons show their shortcut in their tooltip (the effective one: .vv, settings or default). */
  private updateShortcutTitles(): void {
    for (const button of document.querySelectorAll<HTMLButtonElement>('#toolbar button[data-command]')) {
      const command = button.dataset.command as AppCommand;
      const shortcut: Shortcut | undefined = this.shortcuts.get(command);
      const label = button.dataset.i18nTitle ?? button.dataset.i18n;
      const base = label && this.language.has(label) ? this.language.t(label) : (button.textContent ?? '');
      button.title = shortcut ? `${base} (${formatShortcut(shortcut)})` : base;
      if (shortcut) button.setAttribute('aria-keyshortcuts', formatShortcut(shortcut));
      else button.removeAttribute('aria-keyshortcuts');
    }
  }

  private notice(level: 'info' | 'warning' | 'error', message: string): void {
    const box = byId('notices', HTMLDivElement);
    const item = document.createElement('div');
    item.className = `toast ${level}`;
    item.setAttribute('role', level === 'error' ? 'alert' : 'status');
    const text = document.createElement('span');
    text.textContent = message;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'btn quiet icon';
    close.textContent = '×';
    close.setAttribute('aria-label', this.language.t('action.dismiss'));
    close.addEventListener('click', () => item.remove());
    item.append(text, close);
    box.append(item);
    while (box.childElementCount > 5) box.firstElementChild?.remove();
    setTimeout(() => item.remove(), level === 'error' ? 15_000 : 8_000);
  }

  private setupToolbar(): void {
    const select = byId('send-key', HTMLSelectElement);
    for (const combo of SEND_KEY_COMBOS) {
      const option = document.createElement('option');
      option.value = combo;
      option.textContent = sendKeyLabel(combo);
      select.append(option);
    }
    select.addEventListener('change', () => {
      const combo = SEND_KEY_COMBOS.find((c) => c === select.value);
      if (combo) this.bridge.request('sendKeys', { combo });
      select.value = '';
      this.viewport.focus();
    });
    for (const button of document.querySelectorAll<HTMLButtonElement>('#toolbar button[data-command]')) {
      button.addEventListener('click', () => {
        this.runAppCommand(button.dataset.command as AppCommand);
        this.viewport.focus();
      });
    }
    for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
      if (button.closest('#feature-controls')) continue; // feature controls handle their own buttons
      button.addEventListener('click', () => this.runAppCommand(button.dataset.action as AppCommand));
    }
  }

  get monitorIndex(): number {
    return this.monitor;
  }
}

function isEditable(el: Element | null): boolean {
  return (
    el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement
  );
}
