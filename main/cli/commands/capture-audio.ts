// `saffron capture-audio <uri|file.vv> -o out.wav [--seconds N]`: records what the VM plays into a WAV file
// (16-bit PCM at the server's rate and channels; Opus decoded in Node) and prints one summary line on stdout.
// Only the main and playback channels are opened. Gaps between streams become silence (wav-capture-sink.ts).
import { createOpusDecoder } from '../../audio/opus-decoder-node';
import { DecodingSink } from '../../audio/decoding-sink';
import { WavCaptureSink } from '../../audio/wav-capture-sink';
import { WavFileWriter } from '../../audio/wav-writer';
import { playbackFeature } from '../../spice/channels/playback-channel';
import { createMultimediaClock } from '../../spice/multimedia-clock';
import { SpiceError } from '../../spice/errors';
import * as E from '../../spice/protocol/enums';
import type { SpiceSession } from '../../spice/session';
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
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { sessionDeadline } from '../wait';

/** Every channel type except main and playback. */
const NOT_NEEDED = [
  E.SPICE_CHANNEL_DISPLAY,
  E.SPICE_CHANNEL_INPUTS,
  E.SPICE_CHANNEL_CURSOR,
  E.SPICE_CHANNEL_RECORD,
  E.SPICE_CHANNEL_TUNNEL,
  E.SPICE_CHANNEL_SMARTCARD,
  E.SPICE_CHANNEL_USBREDIR,
  E.SPICE_CHANNEL_PORT,
  E.SPICE_CHANNEL_WEBDAV,
];

/** The one stdout line: `seconds=S rate=R channels=C codec=raw|opus|none silence=G`. */
export function captureSummary(
  file: { seconds: number; sampleRate: number; channels: number } | null,
  codec: string,
  silenceSeconds: number,
): string {
  const f = file ?? { seconds: 0, sampleRate: 48000, channels: 2 };
  return `seconds=${f.seconds.toFixed(3)} rate=${f.sampleRate} channels=${f.channels} codec=${codec} silence=${silenceSeconds.toFixed(3)}`;
}

export const captureAudioCommand: CliCommand = {
  name: 'capture-audio',
  summary: 'record what the VM plays into a WAV file',
  usage: `Usage: saffron capture-audio <spice://host:port | file.vv> -o out.wav [--seconds N] [options]

Records the VM's sound output into a 16-bit PCM WAV at the server's rate and channels (Opus is decoded).
The file starts with the first sound; silence between sounds is kept. Ends after --seconds of audio, on
Ctrl-C / SIGTERM, or when the server ends the session. Prints one line on stdout:
  seconds=S rate=R channels=C codec=raw|opus|none silence=G   (G: seconds of silence written for gaps)
  -o, --output FILE   where to write the WAV (required)
  --seconds N         stop after N seconds of audio (default: until interrupted)
  --timeout SECONDS   how long to wait for the connection and the first sound (default 30)

${CONNECT_USAGE}`,
  async run(argv, io) {
    let args;
    try {
      args = parseArgs(argv, {
        values: [...CONNECT_ARG_SPEC.values, 'output', 'seconds'],
        booleans: CONNECT_ARG_SPEC.booleans,
        aliases: { o: 'output' },
      });
    } catch (e) {
      return reportError(e, io);
    }
    if (args.flags.has('help')) {
      io.stdout(this.usage);
      return EXIT_OK;
    }
    const output = args.values.get('output');
    if (args.positional.length !== 1 || !output) {
      io.stderr(this.usage);
      return EXIT_USAGE;
    }
    try {
      const seconds = args.values.has('seconds') ? numberOption(args, 'seconds', 0) : undefined;
      if (seconds !== undefined && seconds <= 0)
        throw new SpiceError('config', '--seconds must be more than 0');
      return await capture(args.positional[0]!, output, seconds, args, io);
    } catch (e) {
      return reportError(e, io);
    }
  },
};

async function capture(
  target: string,
  output: string,
  seconds: number | undefined,
  args: ReturnType<typeof parseArgs>,
  io: CliIo,
): Promise<number> {
  const logger = cliLogger(io.stderr, args.flags.has('verbose'));
  const timeoutMs = numberOption(args, 'timeout', 30) * 1000;
  const config = await configFromArgs(target, args, io);
  if (config.disableChannels.includes(E.SPICE_CHANNEL_PLAYBACK)) {
    throw new SpiceError(
      'config',
      'the playback channel is disabled (disable-channels), so there is no sound to capture',
    );
  }
  config.disableChannels = [...new Set([...config.disableChannels, ...NOT_NEEDED])];

  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  let firstSound!: () => void;
  const started = new Promise<void>((resolve) => (firstSound = resolve));
  void done.then(firstSound);
  let session: SpiceSession | undefined;
  let wav: WavCaptureSink | undefined;
  let decoding: DecodingSink | undefined;
  const summary = (): void => {
    if (!wav) return;
    wav.close();
    if (!wav.file) new WavFileWriter(output, 48000, 2).close(); // nothing played: an empty WAV
    const silence = wav.silenceFrames / (wav.file?.sampleRate ?? 48000);
    io.stdout(captureSummary(wav.file, decoding?.sourceMode ?? 'none', silence));
  };
  const onSignal = (): void => finished();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const clock = createMultimediaClock();
    wav = new WavCaptureSink({
      path: output,
      ...(seconds !== undefined ? { maxSeconds: seconds } : {}),
      monotonicMs: () => clock.monotonicMs(),
      onFirstStream: firstSound,
      onComplete: (why, detail) => {
        if (why !== 'limit') logger.warn(`capture ended: ${detail}`);
        finished();
      },
    });
    decoding = new DecodingSink(wav, createOpusDecoder, (e) => logger.warn(`playback: ${e.message}`));
    await decoding.prepare();
    session = sessionFor(config, logger, {
      clock,
      features: [playbackFeature(decoding)],
      maxMemoryBytes: maxMemoryFromArgs(args),
    });
    session.on('channel-error', (e) => {
      if (e.type === E.SPICE_CHANNEL_PLAYBACK) logger.warn(`playback: ${e.error.message}`);
    });
    session.on('unsupported', (u) => {
      if (u.channel.type === E.SPICE_CHANNEL_PLAYBACK) logger.warn(`playback: unsupported: ${u.what}`);
    });
    const noPlayback = new Promise<never>((_, reject) => {
      session!.on('channels', ({ channels }) => {
        if (!channels.some((c) => c.type === E.SPICE_CHANNEL_PLAYBACK))
          reject(
            new SpiceError(
              'closed',
              'the server offers no playback channel (the VM has no SPICE sound output: QEMU needs a sound card and -audiodev spice)',
            ),
          );
      });
    });
    noPlayback.catch(() => {});

    // Connecting and the first sound are bounded by --timeout; the capture itself by --seconds or a signal.
    const waitFirst = sessionDeadline(session, timeoutMs, 'the VM to play sound');
    try {
      await Promise.race([session.connect(), waitFirst.promise, noPlayback]);
      await Promise.race([started, waitFirst.promise, noPlayback]);
    } finally {
      waitFirst.cancel();
    }
    const ended = sessionDeadline(session, 2 ** 31 - 1, 'the capture to finish');
    try {
      await Promise.race([done, ended.promise]);
    } finally {
      ended.cancel();
    }
    session.close();
    summary();
    return EXIT_OK;
  } catch (e) {
    // the session failed mid-capture: keep (and report) what was written
    session?.close();
    if (wav?.file) summary();
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    session?.close();
    decoding?.close();
  }
}
