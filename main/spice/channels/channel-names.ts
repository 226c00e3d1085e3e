// Human and machine names of channel types (for messages, `saffron info`, secure-channels lists).
import * as E from '../protocol/enums';

export const CHANNEL_TYPE_NAMES: Record<number, string> = {
  [E.SPICE_CHANNEL_MAIN]: 'main',
  [E.SPICE_CHANNEL_DISPLAY]: 'display',
  [E.SPICE_CHANNEL_INPUTS]: 'inputs',
  [E.SPICE_CHANNEL_CURSOR]: 'cursor',
  [E.SPICE_CHANNEL_PLAYBACK]: 'playback',
  [E.SPICE_CHANNEL_RECORD]: 'record',
  [E.SPICE_CHANNEL_TUNNEL]: 'tunnel',
  [E.SPICE_CHANNEL_SMARTCARD]: 'smartcard',
  [E.SPICE_CHANNEL_USBREDIR]: 'usbredir',
  [E.SPICE_CHANNEL_PORT]: 'port',
  [E.SPICE_CHANNEL_WEBDAV]: 'webdav',
};

export function channelTypeName(type: number): string {
  return CHANNEL_TYPE_NAMES[type] ?? `channel-type-${type}`;
}

/** "display" for id 0, "display:1" otherwise. */
export function channelName(type: number, id: number): string {
  return id === 0 ? channelTypeName(type) : `${channelTypeName(type)}:${id}`;
}
