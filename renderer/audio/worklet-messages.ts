// The messages between the page and its audio worklet processors (audio-worklet.ts). Both ends are ours and in
// one page, so these are types only; nothing from the server reaches them unchecked (the contract's guards ran).

export type PageToPlayback =
  | { type: 'frame'; planes: Float32Array[]; frames: number; timeMs: number; sentAtMs: number }
  | { type: 'target'; targetMs: number }
  | { type: 'gain'; gains: number[] }
  | { type: 'tap'; frames: number }
  | { type: 'reset' }
  | { type: 'close' };

export type PlaybackToPage =
  | { type: 'played'; timeMs: number; sentAtMs: number; contextTime: number }
  | { type: 'report'; receivedMs: number; bufferedMs: number; underruns: number; overruns: number }
  | { type: 'tap'; planes: Float32Array[] };

export type PageToCapture = { type: 'close' };
export type CaptureToPage = { type: 'block'; samples: Int16Array };
