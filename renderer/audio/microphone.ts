// The microphone of the output page: opened with getUserMedia only when the session sends `record-start` (the VM
// records and the user enabled it), captured at the server's rate by the 'saffron-capture' worklet and sent as
// S16LE blocks of 10 ms (recordData). Closed on `record-stop`: the browser's recording indicator goes away.
import type { RecordStartMessage, RecordStatusRequest } from '../../shared/audio-contract';
import type { CaptureToPage } from './worklet-messages';

export interface MicrophoneHooks {
  data(stream: number, pcm: Uint8Array): void;
  status(status: RecordStatusRequest): void;
}

interface Capture {
  stream: number;
  media?: MediaStream;
  context?: AudioContext;
  node?: AudioWorkletNode;
}

export function microphoneAvailableHere(): boolean {
  return typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** The browser's reason for a failed getUserMedia, as the contract's state. */
function failureState(e: unknown): RecordStatusRequest['state'] {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'unavailable';
  return 'error';
}

export class Microphone {
  private capture: Capture | undefined;

  constructor(
    private readonly workletUrl: string,
    private readonly hooks: MicrophoneHooks,
  ) {}

  async start(m: RecordStartMessage): Promise<void> {
    this.stop(this.capture?.stream ?? m.stream);
    const capture: Capture = { stream: m.stream };
    this.capture = capture;
    if (!microphoneAvailableHere()) {
      this.hooks.status({ stream: m.stream, state: 'unavailable' });
      return;
    }
    try {
      capture.media = await navigator.mediaDevices.getUserMedia({
        audio: {
          channelCount: { ideal: m.channels },
          echoCancellation: m.processing,
          noiseSuppression: m.processing,
          autoGainControl: m.processing,
        },
      });
      if (this.capture !== capture) return this.release(capture);
      const context = new AudioContext({ sampleRate: m.sampleRate, latencyHint: 'interactive' });
      capture.context = context;
      await context.audioWorklet.addModule(this.workletUrl);
      if (this.capture !== capture) return this.release(capture);
      const node = new AudioWorkletNode(context, 'saffron-capture', {
        numberOfInputs: 1,
        numberOfOutputs: 1,
        outputChannelCount: [1],
        processorOptions: { channels: m.channels, blockFrames: Math.round(m.sampleRate / 100) },
      });
      node.port.onmessage = (event: MessageEvent<CaptureToPage>) => {
        if (this.capture === capture)
          this.hooks.data(capture.stream, new Uint8Array(event.data.samples.buffer));
      };
      capture.node = node;
      context.createMediaStreamSource(capture.media).connect(node);
      // A silent path to the destination keeps the graph (and so the worklet) running.
      const silence = context.createGain();
      silence.gain.value = 0;
      node.connect(silence).connect(context.destination);
      await context.resume();
      this.hooks.status({ stream: m.stream, state: 'capturing' });
    } catch (e) {
      if (this.capture !== capture) return;
      this.release(capture);
      this.capture = undefined;
      const message = e instanceof Error ? e.message.slice(0, 200) : undefined;
      this.hooks.status({
        stream: m.stream,
        state: failureState(e),
        ...(message ? { message } : {}),
      });
    }
  }

  stop(stream: number): void {
    const capture = this.capture;
    if (!capture || capture.stream !== stream) return;
    this.capture = undefined;
    this.release(capture);
  }

  private release(capture: Capture): void {
    capture.node?.port.postMessage({ type: 'close' });
    capture.node?.disconnect();
    for (const track of capture.media?.getTracks() ?? []) track.stop();
    void capture.context?.close().catch(() => {});
  }

  get capturing(): boolean {
    return this.capture?.node !== undefined;
  }
}
