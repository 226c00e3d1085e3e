// How a feature adds channels to a SpiceSession: at construction, as data (`new SpiceSession({ features: [...] })`),
// never by mutating a session afterwards. A feature names the SPICE_CHANNEL_* types it implements with a factory
// for each, and frees what it holds (workers, caches) when the session ends. Adapters a feature needs (clipboard,
// audio output, USB backend, …) are given to the feature's own constructor by whoever builds the session; the
// factory receives the session, for what is session-wide (its multimedia clock, once the audio issue adds it).
import type { ChannelContext, SpiceChannel } from './channels/channel';
import type { SpiceSession } from './session';

/** Builds one channel of a type the feature implements (id = ctx.id: several display channels, one per head). */
export type ChannelFactory = (ctx: ChannelContext, session: SpiceSession) => SpiceChannel;

export interface SessionFeature {
  /** For logs and errors ("display", "playback", "usbredir"). */
  readonly name: string;
  /** SPICE_CHANNEL_* → factory. Two features may not claim the same type (the session refuses at construction). */
  readonly channels: ReadonlyMap<number, ChannelFactory>;
  /** Called once when the session ends (workers, caches, timers). */
  close?(): void;
}
