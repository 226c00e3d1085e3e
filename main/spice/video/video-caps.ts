// Which video caps the display channel advertises, and the user's codec preference (spice-gtk
// channel-display.c spice_display_channel_set_capabilities and
// spice_display_channel_change_preferred_video_codec_types; spicy's "Preferred video codec type" menu).
//   - MULTI_CODEC always: the server then uses only the codecs whose CODEC_* cap we send (a client without it is
//     assumed to play MJPEG). With no codec at all the server sends images (server video-stream.cpp 705-738).
//   - STREAM_REPORT always: the stream table sends spice-gtk's reports, and the invalid-stream report that makes
//     the server fall back to images.
//   - CODEC_* for each codec some backend plays now, kept to the user's allowed list (`--video-codecs`).
// The preferred order goes in PREFERRED_VIDEO_CODEC_TYPE when the server has PREF_VIDEO_CODEC_TYPE, after the link
// and whenever the user changes it (the server then restarts its streams with the new order). Without a
// preference nothing is sent and the server's own order (its `video-codecs` setting) decides.
import { SPICE_DISPLAY_CAP_MULTI_CODEC, SPICE_DISPLAY_CAP_STREAM_REPORT } from '../protocol/protocol';
import { videoCodecCap } from '../../../shared/video-codecs';

export interface VideoPreference {
  /** The codec types the user allows (undefined: every codec a backend plays). */
  allowed(): readonly number[] | undefined;
  /** The order to ask the server for (undefined or empty: the server's own order). */
  order(): readonly number[] | undefined;
  /** Called when the order changes; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
}

export interface MutableVideoPreference extends VideoPreference {
  /** Sets the preferred order (undefined: the server's own order) and tells the live display channels. */
  setOrder(order: readonly number[] | undefined): void;
}

export function createVideoPreference(
  initial: { allowed?: readonly number[]; order?: readonly number[] } = {},
): MutableVideoPreference {
  const listeners = new Set<() => void>();
  let order = initial.order;
  return {
    allowed: () => initial.allowed,
    order: () => order,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setOrder(next) {
      order = next;
      for (const listener of [...listeners]) listener();
    },
  };
}

/** The codecs to advertise: those played, kept to the allowed list. */
export function advertisedCodecs(playable: readonly number[], preference?: VideoPreference): number[] {
  const allowed = preference?.allowed();
  return playable.filter((c) => videoCodecCap(c) !== undefined && (!allowed || allowed.includes(c)));
}

/** The display caps for video: MULTI_CODEC, STREAM_REPORT and one CODEC_* per advertised codec. */
export function videoCaps(playable: readonly number[], preference?: VideoPreference): number[] {
  const caps = [SPICE_DISPLAY_CAP_MULTI_CODEC, SPICE_DISPLAY_CAP_STREAM_REPORT];
  for (const codec of advertisedCodecs(playable, preference)) caps.push(videoCodecCap(codec)!);
  return caps;
}

/** The order to send: the preference kept to what was advertised (empty: send nothing). */
export function preferredOrder(advertised: readonly number[], preference?: VideoPreference): number[] {
  return (preference?.order() ?? []).filter((c, i, all) => advertised.includes(c) && all.indexOf(c) === i);
}

/** The display option for a connection's `videoCodecs` (`--video-codecs`): allowed = preferred order = the list. */
export function videoPreferenceOption(config: { videoCodecs?: readonly number[] }): {
  videoPreference?: MutableVideoPreference;
} {
  if (config.videoCodecs === undefined) return {};
  return {
    videoPreference: createVideoPreference({ allowed: config.videoCodecs, order: config.videoCodecs }),
  };
}
