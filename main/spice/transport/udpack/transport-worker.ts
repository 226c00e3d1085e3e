// Entry point of the UDPack transport worker thread (bundled to dist/udpack-worker.cjs; under tsx the .ts file is
// loaded through tsx's register API). It runs the UdpackClient — handshake, packets, ACKs, timers — so that they
// keep time while the SPICE thread is busy decoding: a userspace transport whose ACKs wait behind a 100 ms decode
// reads that delay as a congested network. Streams are bridged to worker-transport.ts over the message port.
import { createPublicKey } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import { SpiceError, errorMessage } from '../../errors';
import type { Logger } from '../../logger';
import { UdpackClient } from './client';
import type { FromWorker, ToWorker, WireError } from './worker-protocol';

function wire(e: unknown): WireError {
  return e instanceof SpiceError
    ? { code: e.code, message: e.message }
    : { code: 'udpack', message: errorMessage(e) };
}

function serve(port: NonNullable<typeof parentPort>): void {
  const post = (msg: FromWorker): void => port.postMessage(msg);
  let client: UdpackClient | undefined;
  const streams = new Map<number, Duplex>();
  let verbose = false;
  const logger: Logger = {
    debug: (message, fields) =>
      verbose && post({ type: 'log', level: 'debug', message, ...(fields ? { fields } : {}) }),
    info: (message, fields) => post({ type: 'log', level: 'info', message, ...(fields ? { fields } : {}) }),
    warn: (message, fields) => post({ type: 'log', level: 'warn', message, ...(fields ? { fields } : {}) }),
    error: (message, fields) => post({ type: 'log', level: 'error', message, ...(fields ? { fields } : {}) }),
  };

  const open = (id: number, priority: number, what: string): void => {
    if (!client || client.isClosed) {
      post({ type: 'stream-error', id, error: { code: 'udpack', message: 'the UDPack session is closed' } });
      post({ type: 'stream-closed', id });
      return;
    }
    const stream = client.openStream(priority, what);
    streams.set(id, stream);
    stream.on('data', (data: Buffer) => post({ type: 'data', id, data }));
    stream.on('end', () => post({ type: 'end', id }));
    stream.on('error', (e) => post({ type: 'stream-error', id, error: wire(e) }));
    stream.on('close', () => {
      streams.delete(id);
      post({ type: 'stream-closed', id });
    });
  };

  port.on('message', (msg: ToWorker) => {
    switch (msg.type) {
      case 'connect': {
        verbose = msg.verbose;
        const { publicKeyPem, ...rest } = msg.options;
        UdpackClient.connect({ ...rest, publicKey: createPublicKey(publicKeyPem), logger }).then(
          (c) => {
            client = c;
            void c.finished.then(() => post({ type: 'closed' }));
            post({ type: 'connected' });
          },
          (e: unknown) => post({ type: 'connect-failed', error: wire(e) }),
        );
        return;
      }
      case 'open':
        open(msg.id, msg.priority, msg.what);
        return;
      case 'write': {
        const bytes = msg.data.byteLength;
        streams.get(msg.id)?.write(msg.data, () => post({ type: 'written', id: msg.id, bytes }));
        return;
      }
      case 'end':
        streams.get(msg.id)?.end();
        return;
      case 'destroy':
        streams.get(msg.id)?.destroy();
        return;
      case 'pause':
        streams.get(msg.id)?.pause();
        return;
      case 'resume':
        streams.get(msg.id)?.resume();
        return;
      case 'close':
        if (client) client.close();
        else post({ type: 'closed' });
        return;
    }
  });
}

if (parentPort) serve(parentPort);
