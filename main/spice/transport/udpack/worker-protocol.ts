// Messages between the thread that runs SPICE and the worker thread that runs the UDPack client (see
// worker-transport.ts). Plain data only; byte chunks are copied across (a display's few MB/s cost nothing next to
// what decoding them costs) and errors travel as a SpiceError code plus message.
import type { SpiceErrorCode } from '../../errors';

export interface WorkerConnectOptions {
  gatewayHost: string;
  gatewayPort: number;
  publicKeyPem: string;
  token: string;
  handshakeRetries?: number;
  handshakeTimeoutMs?: number;
}

export type ToWorker =
  | { type: 'connect'; options: WorkerConnectOptions; verbose: boolean }
  | { type: 'open'; id: number; priority: number; what: string }
  | { type: 'write'; id: number; data: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'destroy'; id: number }
  | { type: 'pause'; id: number }
  | { type: 'resume'; id: number }
  | { type: 'close' };

export interface WireError {
  code: SpiceErrorCode;
  message: string;
}

export type FromWorker =
  | { type: 'connected' }
  | { type: 'connect-failed'; error: WireError }
  | { type: 'data'; id: number; data: Uint8Array }
  | { type: 'end'; id: number }
  | { type: 'stream-error'; id: number; error: WireError }
  | { type: 'stream-closed'; id: number }
  /** `bytes` more of this stream's writes were taken by the UDPack stream. */
  | { type: 'written'; id: number; bytes: number }
  | {
      type: 'log';
      level: 'debug' | 'info' | 'warn' | 'error';
      message: string;
      fields?: Record<string, unknown>;
    }
  /** The session ended and its socket is closed: the worker may be terminated. */
  | { type: 'closed' };
