// Names of capability bits for `saffron info`, straight from spice-protocol's constants (protocol/protocol.ts):
// SPICE_COMMON_CAP_MINI_HEADER → MINI_HEADER for the common caps, SPICE_DISPLAY_CAP_CODEC_VP8 → CODEC_VP8 for a
// display channel, and so on. A bit this version has no name for is shown as its number (e.g. "bit 21").
import * as P from '../spice/protocol/protocol';
import * as E from '../spice/protocol/enums';

/** The protocol.h prefix of each channel type's capability constants (spicevmc channels share one set). */
const CHANNEL_CAP_PREFIX: Readonly<Record<number, string>> = {
  [E.SPICE_CHANNEL_MAIN]: 'SPICE_MAIN_CAP_',
  [E.SPICE_CHANNEL_DISPLAY]: 'SPICE_DISPLAY_CAP_',
  [E.SPICE_CHANNEL_INPUTS]: 'SPICE_INPUTS_CAP_',
  [E.SPICE_CHANNEL_PLAYBACK]: 'SPICE_PLAYBACK_CAP_',
  [E.SPICE_CHANNEL_RECORD]: 'SPICE_RECORD_CAP_',
  [E.SPICE_CHANNEL_USBREDIR]: 'SPICE_SPICEVMC_CAP_',
  [E.SPICE_CHANNEL_PORT]: 'SPICE_SPICEVMC_CAP_',
  [E.SPICE_CHANNEL_WEBDAV]: 'SPICE_SPICEVMC_CAP_',
  [E.SPICE_CHANNEL_SMARTCARD]: 'SPICE_SPICEVMC_CAP_',
};
const COMMON_PREFIX = 'SPICE_COMMON_CAP_';

function namesWithPrefix(prefix: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const [key, value] of Object.entries(P)) {
    if (key.startsWith(prefix) && typeof value === 'number') names.set(value, key.slice(prefix.length));
  }
  return names;
}

function nameBits(bits: readonly number[], names: Map<number, string>): string[] {
  return bits.map((bit) => names.get(bit) ?? `bit ${bit}`);
}

/** Names of common capability bits (shared by every channel's link stage). */
export function commonCapNames(bits: readonly number[]): string[] {
  return nameBits(bits, namesWithPrefix(COMMON_PREFIX));
}

/** Names of a channel type's own capability bits. */
export function channelCapNames(channelType: number, bits: readonly number[]): string[] {
  const prefix = CHANNEL_CAP_PREFIX[channelType];
  return nameBits(bits, prefix === undefined ? new Map<number, string>() : namesWithPrefix(prefix));
}
