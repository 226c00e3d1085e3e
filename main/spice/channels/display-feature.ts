// The display as a session feature: display channels (one per head on multi-channel servers) sharing one
// DisplayShared (image cache, GLZ window, decoder table, decode pool), released when the session ends.
//   new SpiceSession({ opener, features: [displayFeature({ decodeInWorkers: false })] })
import * as E from '../protocol/enums';
import type { SessionFeature } from '../session-feature';
import {
  createDisplayShared,
  type DisplayShared,
  type DisplaySharedOptions,
} from '../surfaces/display-shared';
import { DisplayChannel, type DisplayChannelOptions } from './display-channel';

export interface DisplayFeature extends SessionFeature {
  /** The state every display channel of the session shares (tests and the CLI read its caches). */
  readonly shared: DisplayShared;
}

export function displayFeature(options: DisplaySharedOptions & DisplayChannelOptions = {}): DisplayFeature {
  const shared = createDisplayShared(options);
  return {
    name: 'display',
    shared,
    channels: new Map([
      [E.SPICE_CHANNEL_DISPLAY, (ctx, session) => new DisplayChannel(ctx, shared, options, session.clock)],
    ]),
    close: () => shared.close(),
  };
}
