// The feature bridges a session service gets when its deps name none (tests and harnesses with a scripted session):
// every request method of the contract must have a handler, so each session-wide feature is present in a neutral
// form — USB with no host backend and no launch images (its picker shows "not available" for sessions that carry no
// usbredir feature). The production wiring (session-wiring.ts) builds the real ones.
import type { SessionBridge, SessionContext } from '../session-bridge';
import { UsbBridge } from './usb-bridge';
import { NO_USB_LAUNCH_OPTIONS } from './usb-launch-options';
import { UsbSessions } from './usb-sessions';

export function defaultFeatureBridges(ctx: SessionContext): SessionBridge[] {
  const launch = NO_USB_LAUNCH_OPTIONS;
  return [new UsbBridge(ctx, { sessions: new UsbSessions({ logger: ctx.logger, launch }), launch })];
}
