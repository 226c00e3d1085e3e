// `saffron usb <uri|file.vv> [--share-cd FILE.iso]… [--share-disk FILE.img]… [--redirect FILTER] [--list]`: a
// headless USB redirector. It stays connected, prints one line per device event on stdout and exits cleanly (every
// device handed back, exit 0) on SIGINT/SIGTERM. `--list` prints the host's devices with the filter verdicts.
import { access, constants } from 'node:fs/promises';
import { resolveTarget } from '../../spice/connect/resolve';
import { SpiceError, errorMessage } from '../../spice/errors';
import * as E from '../../spice/protocol/enums';
import type { SpiceSession } from '../../spice/session';
import { usbRedirectionFeature } from '../../spice/usbredir/usb-redirection-feature';
import type { UsbDeviceManager, UsbDeviceState } from '../../spice/usbredir/usb-device-manager';
import { DEFAULT_AUTOCONNECT_FILTER, parseUsbFilter } from '../../spice/usbredir/usbredir-filter';
import { sharedCd, sharedDisk } from '../../spice/usbredir/virtual/virtual-msd-device';
import { NodeUsbBackend } from '../../usb/node-usb-backend';
import { numberOption, parseArgs } from '../args';
import { cliLogger } from '../cli-logger';
import type { CliCommand, CliIo } from '../command';
import {
  CONNECT_ARG_SPEC,
  CONNECT_USAGE,
  configFromArgs,
  maxMemoryFromArgs,
  sessionFor,
} from '../connect-options';
import { reportError } from '../errors';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor } from '../exit-codes';
import { sessionDeadline } from '../wait';

const USAGE = `Usage: saffron usb <spice://host:port | file.vv> [--share-cd FILE.iso]… [--share-disk FILE.img]…
                   [--share-disk-rw FILE.img]… [--redirect FILTER] [options]
       saffron usb --list [file.vv] [--redirect FILTER]

Redirects USB devices to the VM and stays connected until interrupted (Ctrl+C / SIGTERM), printing one line per
event on stdout:
  attached KEY VID:PID LABEL channel=N     the VM has the device
  detached KEY VID:PID LABEL               given back (by request, the VM's filter, or the device failing)
  added KEY VID:PID LABEL / removed …      a host device was plugged in / unplugged
  error KEY CODE MESSAGE                   the device could not be redirected (the hint follows on stderr)

  --share-cd FILE.iso     share an ISO image as a USB CD-ROM drive (repeatable)
  --share-disk FILE.img   share a raw disk image as a read-only USB disk (repeatable)
  --share-disk-rw FILE    the same, read-write: the VM's writes go to FILE
  --redirect FILTER       redirect host devices matching FILTER, now and when plugged in. FILTER is
                          usbredirfilter syntax: class,vendor,product,version,allow|… (-1 = any), e.g.
                          '-1,0x0781,-1,-1,1' (every SanDisk device); a device matching no rule is not redirected
  --list                  print the host's USB devices with the verdict of the auto-connect filter (the .vv
                          usb-filter, or "everything but HID") and of --redirect, then exit

${CONNECT_USAGE}`;

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');
const ids = (d: UsbDeviceState): string => `${hex4(d.vendorId)}:${hex4(d.productId)}`;

/** Takes the repeatable options out of argv (the shared parser keeps one value per flag). */
function takeRepeated(argv: string[], names: string[]): { values: Map<string, string[]>; rest: string[] } {
  const values = new Map<string, string[]>(names.map((n) => [n, []]));
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const list = m ? values.get(m[1]!) : undefined;
    if (!m || !list) {
      rest.push(arg);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new SpiceError('config', `option --${m[1]} needs a value`);
    list.push(value);
  }
  return { values, rest };
}

function untilInterrupted(): { promise: Promise<string>; cancel: () => void } {
  let done!: (signal: string) => void;
  const promise = new Promise<string>((resolve) => (done = resolve));
  const onInt = (): void => done('SIGINT');
  const onTerm = (): void => done('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    promise,
    cancel: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

async function listDevices(io: CliIo, autoFilter: string, redirect: string | undefined): Promise<number> {
  const backend = new NodeUsbBackend({ logger: cliLogger(io.stderr, false) });
  const { UsbDeviceManager } = await import('../../spice/usbredir/usb-device-manager');
  const manager = new UsbDeviceManager({
    backend,
    logger: cliLogger(io.stderr, false),
    autoConnectFilter: autoFilter,
  });
  manager.on('notice', ({ message }) => io.stderr(`saffron: ${message}`));
  await manager.start();
  await manager.close();
  const auto = manager.verdicts(autoFilter);
  const red = redirect !== undefined ? manager.verdicts(redirect) : null;
  if (auto.length === 0) io.stdout('no USB devices');
  for (const [i, { device, verdict }] of auto.entries()) {
    const parts = [`${device.key}`, ids(device), device.label, `auto-connect=${verdict}`];
    if (red) parts.push(`redirect=${red[i]!.verdict}`);
    if (!device.redirectable) parts.push(`not-redirectable (${device.reason ?? ''})`);
    io.stdout(parts.join('  '));
  }
  return EXIT_OK;
}

function report(manager: UsbDeviceManager, io: CliIo): void {
  const last = new Map<string, string>();
  manager.on('device-added', ({ device }) => {
    if (device.kind === 'host') io.stdout(`added ${device.key} ${ids(device)} ${device.label}`);
    last.set(device.key, device.state);
  });
  manager.on('device-removed', ({ key, label }) => {
    if (key.startsWith('host:')) io.stdout(`removed ${key} ${label}`);
    last.delete(key);
  });
  manager.on('device-changed', ({ device }) => {
    const before = last.get(device.key);
    last.set(device.key, device.state);
    if (device.state === before) return;
    if (device.state === 'connected')
      io.stdout(`attached ${device.key} ${ids(device)} ${device.label} channel=${device.channelId ?? '?'}`);
    else if (device.state === 'available' && (before === 'connected' || before === 'disconnecting'))
      io.stdout(`detached ${device.key} ${ids(device)} ${device.label}`);
  });
  manager.on('device-error', (e) => {
    io.stdout(`error ${e.key} ${e.code} ${e.message.replace(/\s+/g, ' ')}`);
    if (e.hint) io.stderr(`saffron: ${e.hint}`);
  });
  manager.on('notice', ({ message }) => io.stderr(`saffron: ${message}`));
}

export const usbCommand: CliCommand = {
  name: 'usb',
  summary: 'redirect host USB devices and shared ISO/disk images to the VM (headless, until interrupted)',
  usage: USAGE,
  async run(argv, io) {
    let args;
    let shares: Map<string, string[]>;
    try {
      const taken = takeRepeated(argv, ['share-cd', 'share-disk', 'share-disk-rw']);
      shares = taken.values;
      args = parseArgs(taken.rest, {
        values: [...CONNECT_ARG_SPEC.values, 'redirect'],
        booleans: [...CONNECT_ARG_SPEC.booleans, 'list'],
      });
    } catch (e) {
      return reportError(e, io);
    }
    if (args.flags.has('help')) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    const redirect = args.values.get('redirect');
    try {
      if (redirect !== undefined) parseUsbFilter(redirect);
    } catch (e) {
      return reportError(e, io);
    }
    if (args.flags.has('list')) {
      if (args.positional.length > 1) {
        io.stderr(USAGE);
        return EXIT_USAGE;
      }
      let autoFilter = DEFAULT_AUTOCONNECT_FILTER;
      try {
        if (args.positional[0] !== undefined) {
          const config = await resolveTarget(args.positional[0], {
            env: io.env,
            capabilities: { usbredir: true },
          });
          autoFilter = config.usb.filter ?? autoFilter;
          parseUsbFilter(autoFilter);
        }
        return await listDevices(io, autoFilter, redirect);
      } catch (e) {
        return reportError(e, io);
      }
    }
    if (args.positional.length !== 1) {
      io.stderr(USAGE);
      return EXIT_USAGE;
    }
    for (const [flag, files] of shares) {
      for (const file of files) {
        try {
          await access(file, flag === 'share-disk-rw' ? constants.R_OK | constants.W_OK : constants.R_OK);
        } catch (e) {
          io.stderr(`saffron: --${flag} ${file}: ${errorMessage(e)}`);
          return EXIT_USAGE;
        }
      }
    }
    const logger = cliLogger(io.stderr, args.flags.has('verbose'));
    let config;
    try {
      config = await configFromArgs(args.positional[0]!, args, io, { capabilities: { usbredir: true } });
    } catch (e) {
      return reportError(e, io);
    }
    if (config.usb.enableUsbredir === false) {
      io.stderr('saffron: the connection file disables USB redirection (enable-usbredir=0)');
      return EXIT_USAGE;
    }
    const autoFilter = redirect ?? config.usb.filter ?? DEFAULT_AUTOCONNECT_FILTER;
    let manager: UsbDeviceManager;
    let session: SpiceSession;
    try {
      const usb = usbRedirectionFeature({
        backend: new NodeUsbBackend({ logger }),
        logger,
        autoConnect: redirect !== undefined || config.usb.autoshare === true,
        autoConnectFilter: autoFilter,
        ...((redirect ?? config.usb.redirectOnConnect) !== undefined
          ? { redirectOnConnectFilter: (redirect ?? config.usb.redirectOnConnect)! }
          : {}),
      });
      manager = usb.manager;
      session = sessionFor(config, logger, { features: [usb], maxMemoryBytes: maxMemoryFromArgs(args) });
    } catch (e) {
      return reportError(e, io);
    }
    report(manager, io);
    let index = 0;
    for (const file of shares.get('share-cd')!) {
      const key = `cd:${++index}`;
      manager.addVirtualDevice(
        sharedCd(
          file,
          { index },
          { onTray: (ejected) => io.stdout(`${ejected ? 'ejected' : 'loaded'} ${key}`) },
        ),
      );
    }
    for (const file of shares.get('share-disk')!)
      manager.addVirtualDevice(sharedDisk(file, { index: ++index }));
    for (const file of shares.get('share-disk-rw')!)
      manager.addVirtualDevice(sharedDisk(file, { index: ++index, writable: true }));

    const interrupted = untilInterrupted();
    const deadline = sessionDeadline(session, numberOption(args, 'timeout', 30) * 1000, 'the server');
    try {
      await Promise.race([session.connect(), deadline.promise]);
      deadline.cancel();
      const noChannel = new Promise<void>((resolve) => {
        const check = (channels: readonly { type: number }[]): void => {
          if (channels.length > 0 && !channels.some((c) => c.type === E.SPICE_CHANNEL_USBREDIR)) resolve();
        };
        session.on('channels', ({ channels }) => check(channels));
        check(session.listedChannels);
      });
      manager.on('channels', ({ total, free }) =>
        io.stderr(`saffron: usb channels: ${total} (${free} free)`),
      );
      await manager.start();
      const closed = new Promise<SpiceError | null>((resolve) =>
        session.on('closed', ({ error }) => resolve(error)),
      );
      const outcome = await Promise.race([
        interrupted.promise.then((signal) => ({ kind: 'signal' as const, signal })),
        closed.then((error) => ({ kind: 'closed' as const, error })),
        noChannel.then(() => ({ kind: 'no-channel' as const })),
      ]);
      if (outcome.kind === 'no-channel') {
        io.stderr(
          'saffron: the VM has no USB redirection channel — add one (QEMU: -chardev spicevmc,name=usbredir,id=ur0 -device usb-redir,chardev=ur0; libvirt: <redirdev bus="usb" type="spicevmc"/>)',
        );
        return EXIT_FAILURE;
      }
      if (outcome.kind === 'closed') {
        const error = outcome.error ?? new SpiceError('closed', 'the server closed the connection');
        io.stderr(`saffron: ${error.message}`);
        return exitCodeFor(error.code);
      }
      io.stderr(`saffron: ${outcome.signal}: giving the devices back`);
      await manager.close();
      return EXIT_OK;
    } catch (e) {
      return reportError(e, io);
    } finally {
      deadline.cancel();
      interrupted.cancel();
      await manager.close();
      session.close();
    }
  },
};
