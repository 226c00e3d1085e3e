// The USB bridge: the picker of every view ⇄ the session's USB device manager (docs/usb.md). It publishes one
// 'usb-state' (host devices of the machine running the session, shared images, each with its state, error and hint,
// the auto-share filter's verdict) whenever anything changes, and carries the picker's requests: redirect / give
// back a device, share an image (a typed path in `saffron web`, the desktop app's file dialog), stop sharing,
// auto-share, the usb-device-reset hotkey, the udev rule. Shared images outlive a session: they are offered to every
// new one. Auto-share acts only while a view of the session has keyboard focus (as spice-gtk). A device that fails
// (busy, permission, gone) only changes its own row.
import { homedir } from 'node:os';
import type {
  UsbAvailability,
  UsbDeviceEntry,
  UsbImageKind,
  UsbImageSource,
  UsbResultMessage,
  UsbStateMessage,
} from '../../../shared/contract';
import { LIMITS, USB_LIMITS } from '../../../shared/contract';
import { DEFAULT_USB_RESET_HOTKEY, parseSpiceHotkey, type Hotkey } from '../../../shared/spice-hotkey';
import { SPICE_CHANNEL_USBREDIR } from '../../../shared/spice-enums';
import { errorMessage } from '../../spice/errors';
import type { UsbDeviceManager, UsbDeviceState } from '../../spice/usbredir/usb-device-manager';
import type { RequestHandlers, SessionBridge, SessionContext, Subscribe, ViewPort } from '../session-bridge';
import type { SessionLike } from '../session-like';
import type { ShellInput } from '../shell-events';
import {
  checkImagePath,
  imageErrorHint,
  imageSource,
  normalizeTypedPath,
  type ImageHost,
  type SharedImage,
} from './usb-images';
import type { UsbImageSpec, UsbLaunchOptions } from './usb-launch-options';
import type { UsbSessions } from './usb-sessions';

export interface UsbBridgeOptions {
  sessions: UsbSessions;
  launch: UsbLaunchOptions;
  /** process.platform of the session process (the udev one-click is Linux only). */
  platform?: string;
  /** For `~/` in typed paths. */
  home?: string;
  /** Checks a path before it is shared (tests may replace it). */
  checkImage?: typeof checkImagePath;
}

/** What the picker may offer for adding images, from the shell and the launch options. */
export function imageSourceFor(shell: 'electron' | 'web', launch: UsbLaunchOptions): UsbImageSource {
  if (shell === 'electron') return 'dialog';
  return launch.typedImagePaths ? 'path' : 'none';
}

/** Auto-share: the user's toggle in this process, else the .vv enable-usb-autoshare, else the shell's setting, else on. */
export function autoShareFor(
  choice: boolean | undefined,
  vvAutoshare: boolean | undefined,
  setting: boolean | undefined,
): boolean {
  return choice ?? vvAutoshare ?? setting ?? true;
}

/** The desktop app on Linux can install a udev rule for a host device the OS would not open. */
export function udevFixOffered(
  shell: 'electron' | 'web',
  platform: string,
  device: Pick<UsbDeviceState, 'kind'> & { error?: { code: string } | undefined },
): boolean {
  return (
    shell === 'electron' &&
    platform === 'linux' &&
    device.kind === 'host' &&
    device.error?.code === 'permission'
  );
}

const KINDS = { host: 'host', 'virtual-cd': 'cd', 'virtual-disk': 'disk' } as const;
const clip = (text: string, max: number = LIMITS.maxMessageLength): string => text.slice(0, max);

export class UsbBridge implements SessionBridge {
  readonly name = 'usb';
  private readonly images: SharedImage[] = [];
  private nextImageIndex = 1;
  private manager: UsbDeviceManager | undefined;
  private session: SessionLike | undefined;
  private vmHasNoChannel = false;
  private notice: string | undefined;
  private channels = { total: 0, free: 0 };
  private autoShareChoice: boolean | undefined;
  private readonly focusedViews = new Set<number>();
  private resetHotkey: Hotkey = DEFAULT_USB_RESET_HOTKEY;
  private broadcastQueued = false;
  /** The host device whose udev rule is being installed (retried once the rule is in). */
  private udevPending: string | undefined;
  private readonly platform: string;
  private readonly home: string;
  private readonly checkImage: typeof checkImagePath;

  constructor(
    private readonly ctx: SessionContext,
    private readonly options: UsbBridgeOptions,
  ) {
    this.platform = options.platform ?? process.platform;
    this.home = options.home ?? homedir();
    this.checkImage = options.checkImage ?? checkImagePath;
    for (const spec of options.launch.images) this.addImage(spec);
  }

  private get where(): ImageHost {
    return this.ctx.shell === 'web' ? 'the machine running saffron web' : 'this computer';
  }

  private get autoShare(): boolean {
    return autoShareFor(this.autoShareChoice, this.ctx.config?.usb.autoshare, this.options.launch.autoShare);
  }

  readonly handlers: Pick<
    RequestHandlers,
    | 'usbConnect'
    | 'usbDisconnect'
    | 'usbShareImage'
    | 'usbChooseImage'
    | 'usbRemoveImage'
    | 'usbSetAutoShare'
    | 'usbReset'
    | 'usbInstallUdevRule'
    | 'usbViewFocus'
  > = {
    usbConnect: (r, view) => this.connect(r.key, view),
    usbDisconnect: (r) => this.disconnect(r.key),
    usbShareImage: (r, view) => void this.shareTyped(r, view),
    usbChooseImage: (r, view) => this.choose(r.imageKind, r.writable, view),
    usbRemoveImage: (r) => void this.removeImage(r.key),
    usbSetAutoShare: (r) => {
      this.autoShareChoice = r.on;
      this.applyAutoConnect();
      this.changed();
    },
    usbReset: () => {
      this.manager?.resetConnections().catch((e) => this.ctx.logger.warn(`usb reset: ${errorMessage(e)}`));
    },
    usbInstallUdevRule: (r, view) => this.installUdevRule(r.key, view),
    usbViewFocus: (r, view) => {
      if (r.focused) this.focusedViews.add(view.id);
      else this.focusedViews.delete(view.id);
      this.applyAutoConnect();
    },
  };

  viewAttached(view: ViewPort): void {
    view.send(this.state());
  }

  viewDetached(view: ViewPort): void {
    if (this.focusedViews.delete(view.id)) this.applyAutoConnect();
  }

  sessionStarted(session: SessionLike, on: Subscribe): void {
    this.session = session;
    this.vmHasNoChannel = false;
    this.notice = undefined;
    this.channels = { total: 0, free: 0 };
    this.resetHotkey = this.hotkeyFrom(this.ctx.config?.hotkeys.usbDeviceReset);
    const bound = this.options.sessions.managerOf(session);
    on('channels', ({ channels }) => {
      this.vmHasNoChannel = !channels.some((c) => c.type === SPICE_CHANNEL_USBREDIR);
      this.changed();
    });
    if (!bound) {
      this.changed();
      return;
    }
    const { manager, filters } = bound;
    this.manager = manager;
    for (const problem of filters.problems)
      this.ctx.broadcast({ kind: 'notice', level: 'warning', message: clip(problem) });
    const mine = (): boolean => this.manager === manager;
    manager.on('device-added', () => mine() && this.changed());
    manager.on('device-removed', () => mine() && this.changed());
    manager.on('device-changed', () => mine() && this.changed());
    manager.on('device-error', () => mine() && this.changed());
    manager.on('notice', ({ message }) => {
      if (!mine()) return;
      this.notice = clip(message);
      this.changed();
    });
    manager.on('channels', (c) => {
      if (!mine()) return;
      this.channels = { total: c.total, free: Math.min(c.free, c.total) };
      this.changed();
    });
    for (const image of this.images) this.offer(manager, image);
    this.applyAutoConnect();
    manager.start().catch((e) => this.ctx.logger.warn(`usb: listing devices failed: ${errorMessage(e)}`));
    this.changed();
  }

  sessionEnded(): void {
    this.manager = undefined;
    this.session = undefined;
    this.channels = { total: 0, free: 0 };
    this.vmHasNoChannel = false;
    this.udevPending = undefined;
    this.changed();
  }

  shellInput(input: ShellInput): void {
    if (input.t === 'usb-share-image') {
      void this.share(input.image, undefined);
      return;
    }
    if (input.t === 'usb-udev-result') {
      this.result(undefined, input.ok ? 'info' : 'error', input.message);
      const key = this.udevPending;
      this.udevPending = undefined;
      if (input.ok && key !== undefined) this.connect(key, undefined);
    }
  }

  // ---- requests ----

  private connect(key: string, view: ViewPort | undefined): void {
    const image = this.images.find((i) => i.key === key);
    if (image) image.share = true;
    if (!this.manager) {
      if (!image)
        this.result(view, 'error', 'Connect to a VM first: USB devices are redirected to a running session.');
      this.changed();
      return;
    }
    this.manager.connect(key).catch((e) => {
      // Errors about a known device land in its row (device-error); a device that vanished is told here.
      if (!this.manager?.list().some((d) => d.key === key))
        this.result(view, 'error', `That device is no longer there (${errorMessage(e)}).`);
    });
  }

  private disconnect(key: string): void {
    const image = this.images.find((i) => i.key === key);
    if (image) image.share = false;
    if (!this.manager) {
      this.changed();
      return;
    }
    this.manager.disconnect(key).catch((e) => this.ctx.logger.warn(`usb: ${key}: ${errorMessage(e)}`));
  }

  private async shareTyped(
    r: { path: string; imageKind: UsbImageKind; writable: boolean },
    view: ViewPort,
  ): Promise<void> {
    if (imageSourceFor(this.ctx.shell, this.options.launch) !== 'path') {
      this.result(
        view,
        'error',
        'Images cannot be shared by typing a path here.',
        this.ctx.shell === 'electron'
          ? 'Use "Share an ISO/disk image…", which opens a file dialog.'
          : 'saffron web accepts typed paths only when it listens on a loopback address; give the images on its command line instead (--share-cd FILE, --share-disk FILE).',
      );
      return;
    }
    const path = normalizeTypedPath(r.path, this.home);
    if (path === undefined) {
      this.result(
        view,
        'error',
        `"${clip(r.path.trim(), 200)}" is not a full path.`,
        `Type the full path of the image on ${this.where}, e.g. /home/you/debian.iso or ~/debian.iso.`,
      );
      return;
    }
    await this.share({ path, imageKind: r.imageKind, writable: r.imageKind === 'disk' && r.writable }, view);
  }

  private choose(imageKind: UsbImageKind, writable: boolean, view: ViewPort): void {
    const events = this.ctx.events;
    if (this.ctx.shell !== 'electron' || !events.usbChooseImage) {
      this.result(
        view,
        'error',
        'This window cannot open a file dialog; type the path of the image instead.',
      );
      return;
    }
    events.usbChooseImage(imageKind, imageKind === 'disk' && writable);
  }

  /** Checks and adds an image (or turns an identical one back on), and offers it to the session. */
  private async share(spec: UsbImageSpec, view: ViewPort | undefined): Promise<void> {
    const check = await this.checkImage(spec.path, spec, this.where);
    if (!check.ok) {
      this.result(view, 'error', check.message, check.hint);
      return;
    }
    const same = this.images.find(
      (i) => i.path === spec.path && i.imageKind === spec.imageKind && i.writable === spec.writable,
    );
    if (same) {
      this.connect(same.key, view);
      return;
    }
    if (this.images.length >= USB_LIMITS.maxDevices / 2) {
      this.result(view, 'error', 'Too many shared images; stop sharing one first.');
      return;
    }
    const image = this.addImage(spec);
    if (this.manager) this.offer(this.manager, image);
    this.changed();
  }

  private async removeImage(key: string): Promise<void> {
    const index = this.images.findIndex((i) => i.key === key);
    if (index < 0) return;
    this.images.splice(index, 1);
    this.changed();
    try {
      await this.manager?.removeVirtualDevice(key);
    } catch (e) {
      this.ctx.logger.warn(`usb: removing ${key}: ${errorMessage(e)}`);
    }
  }

  private installUdevRule(key: string, view: ViewPort): void {
    const device = this.manager?.list().find((d) => d.key === key);
    const events = this.ctx.events;
    if (!device || !events.usbInstallUdevRule || !udevFixOffered(this.ctx.shell, this.platform, device)) {
      this.result(
        view,
        'error',
        'A udev rule can only be installed by the desktop app on Linux, for a host device.',
      );
      return;
    }
    this.udevPending = key;
    events.usbInstallUdevRule({ vendorId: device.vendorId, productId: device.productId });
  }

  // ---- state ----

  private addImage(spec: UsbImageSpec): SharedImage {
    const prefix = spec.imageKind === 'cd' ? 'cd' : 'disk';
    const image: SharedImage = { ...spec, key: `${prefix}:${this.nextImageIndex++}`, share: true };
    this.images.push(image);
    return image;
  }

  private offer(manager: UsbDeviceManager, image: SharedImage): void {
    try {
      manager.addVirtualDevice(imageSource(image), { connect: image.share });
    } catch (e) {
      this.ctx.logger.warn(`usb: ${image.key}: ${errorMessage(e)}`);
    }
  }

  private applyAutoConnect(): void {
    this.manager?.setAutoConnect(this.autoShare && this.focusedViews.size > 0);
  }

  private hotkeyFrom(text: string | undefined): Hotkey {
    if (text === undefined) return DEFAULT_USB_RESET_HOTKEY;
    const parsed = parseSpiceHotkey(text);
    if (parsed) return parsed;
    this.ctx.broadcast({
      kind: 'notice',
      level: 'warning',
      message: clip(`usb-device-reset: "${text}" is not a hotkey Saffron understands; using Ctrl+Shift+R`),
    });
    return DEFAULT_USB_RESET_HOTKEY;
  }

  private availability(): UsbAvailability {
    if (!this.session) return this.ctx.config?.usb.enableUsbredir === false ? 'disabled' : 'idle';
    if (!this.manager) return 'disabled';
    if (this.channels.total > 0) return 'ready';
    return this.vmHasNoChannel ? 'no-channels' : 'waiting';
  }

  private entries(): UsbDeviceEntry[] {
    const listed = this.manager?.list() ?? [];
    const byKey = new Map(listed.map((d) => [d.key, d]));
    const rows: UsbDeviceEntry[] = [];
    for (const image of this.images) rows.push(this.imageEntry(image, byKey.get(image.key)));
    for (const d of listed) if (d.kind === 'host') rows.push(this.hostEntry(d));
    return rows.slice(0, USB_LIMITS.maxDevices);
  }

  private imageEntry(image: SharedImage, d: UsbDeviceState | undefined): UsbDeviceEntry {
    const entry: UsbDeviceEntry = {
      key: image.key,
      kind: image.imageKind,
      label: clip(
        d?.label ?? `${image.imageKind === 'cd' ? 'CD' : 'Disk'}: ${image.path}`,
        USB_LIMITS.maxLabelLength,
      ),
      vendorId: d?.vendorId ?? 0x2b23,
      productId: d?.productId ?? (image.imageKind === 'cd' ? 0xcdcd : 0xd15c),
      state: d?.state ?? 'available',
      path: image.path,
      shared: image.share,
      autoShare: d ? d.autoConnect === 'allow' : true,
      redirectable: true,
    };
    if (image.imageKind === 'disk') entry.writable = image.writable;
    if (d?.error) {
      const hint = d.error.hint ?? imageErrorHint(d.error.code, image, this.where);
      entry.error = {
        code: d.error.code,
        message: clip(d.error.message),
        ...(hint ? { hint: clip(hint) } : {}),
      };
    }
    return entry;
  }

  private hostEntry(d: UsbDeviceState): UsbDeviceEntry {
    const entry: UsbDeviceEntry = {
      key: d.key,
      kind: KINDS[d.kind],
      label: clip(d.label, USB_LIMITS.maxLabelLength),
      vendorId: d.vendorId & 0xffff,
      productId: d.productId & 0xffff,
      state: d.state,
      autoShare: d.autoConnect === 'allow',
      redirectable: d.redirectable,
    };
    if (d.reason !== undefined) entry.reason = clip(d.reason);
    if (d.error) {
      entry.error = {
        code: d.error.code,
        message: clip(d.error.message),
        ...(d.error.hint ? { hint: clip(d.error.hint) } : {}),
        ...(udevFixOffered(this.ctx.shell, this.platform, d) ? { fix: 'udev-rule' as const } : {}),
      };
    }
    return entry;
  }

  private state(): UsbStateMessage {
    return {
      kind: 'usb-state',
      availability: this.availability(),
      channels: this.channels,
      autoShare: this.autoShare,
      imageSource: imageSourceFor(this.ctx.shell, this.options.launch),
      devices: this.entries(),
      ...(this.notice !== undefined ? { notice: this.notice } : {}),
      resetHotkey: this.resetHotkey,
    };
  }

  /** Coalesces a burst of changes (connect: changed + channels + …) into one message per turn. */
  private changed(): void {
    if (this.broadcastQueued) return;
    this.broadcastQueued = true;
    queueMicrotask(() => {
      this.broadcastQueued = false;
      this.ctx.broadcast(this.state());
    });
  }

  private result(
    view: ViewPort | undefined,
    level: UsbResultMessage['level'],
    message: string,
    hint?: string,
  ): void {
    const m: UsbResultMessage = {
      kind: 'usb-result',
      level,
      message: clip(message),
      ...(hint !== undefined ? { hint: clip(hint) } : {}),
    };
    if (view) view.send(m);
    else this.ctx.broadcast(m);
  }
}
