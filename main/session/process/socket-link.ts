// The session process's side of the socket to `saffron web` (mux.ts): control messages as JSON frames, each view's
// requests as text frames, its messages as text or binary frames. Damage frames are built in place: the pixels go
// from the surface into the frame that is written to the socket, and nowhere else.
import type { Duplex } from 'node:stream';
import type { PortMessage } from '../../../shared/contract';
import { LIMITS } from '../../../shared/contract';
import { parseRequestText } from '../../../shared/contract-guards';
import {
  DAMAGE_HEADER_BYTES,
  encodePortMessage,
  parseRequestFrame,
  writeDamageHeader,
} from '../../../shared/port-codec';
import { rectHeight, rectWidth } from '../../../shared/rect';
import type { ProcessMessage } from '../../ipc/host-protocol';
import { MUX_HEADER_BYTES, MuxReader, MuxType, allocMuxFrame, muxFrame, wholeFrames } from '../../ipc/mux';
import type { PortLike } from '../port-view';
import type { SessionService, ViewHandle } from '../session-service';
import type { ParentLink } from './parent-link';

/** Largest request or control frame accepted (a .vv file in a JSON envelope). */
const MAX_INBOUND_BYTES = LIMITS.maxVvTextLength * 4;

export function socketParentLink(socket: Duplex): ParentLink {
  const controlListeners: ((message: unknown, ports: readonly PortLike[]) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  const views = new Map<number, ViewHandle>();
  const warned = new Set<number>();
  let closed = false;
  const write = (frame: Buffer): void => {
    if (!closed) socket.write(frame);
  };
  const close = (): void => {
    if (closed) return;
    closed = true;
    socket.destroy();
    for (const listener of closeListeners) listener();
  };
  const onFrame = (type: number, viewId: number, payload: Buffer): void => {
    if (type === MuxType.control) {
      let value: unknown;
      try {
        value = JSON.parse(payload.toString('utf8'));
      } catch {
        value = undefined;
      }
      for (const listener of controlListeners) listener(value, []);
    } else if (type === MuxType.text || type === MuxType.binary) {
      const envelope =
        type === MuxType.text ? parseRequestText(payload.toString('utf8')) : parseRequestFrame(payload);
      if (envelope) views.get(viewId)?.receive(envelope);
      else if (!warned.has(viewId)) {
        warned.add(viewId);
        write(
          muxFrame(
            MuxType.control,
            0,
            JSON.stringify({
              t: 'log',
              level: 'warn',
              message: 'dropped an invalid request from a browser tab (logged once per tab)',
            } satisfies ProcessMessage),
          ),
        );
      }
    }
  };
  const reader = new MuxReader(
    wholeFrames(onFrame, () => {}, MAX_INBOUND_BYTES),
    () => close(),
    MAX_INBOUND_BYTES,
  );
  socket.on('data', (chunk: Buffer) => reader.push(chunk));
  socket.on('close', close);
  socket.on('error', close);

  return {
    onMessage: (listener) => controlListeners.push(listener),
    onClose: (listener) => closeListeners.push(listener),
    send: (message: ProcessMessage) => write(muxFrame(MuxType.control, 0, JSON.stringify(message))),
    close,
    attachView(service: SessionService, viewId: number, monitor: number) {
      const view = service.attachView(monitor, {
        send: (message: PortMessage) => {
          const data = encodePortMessage(message);
          write(muxFrame(typeof data === 'string' ? MuxType.text : MuxType.binary, viewId, data));
        },
        sendDamage: (rect, fill) => {
          const frame = allocMuxFrame(
            MuxType.binary,
            viewId,
            DAMAGE_HEADER_BYTES + rectWidth(rect) * rectHeight(rect) * 4,
          );
          writeDamageHeader(frame, MUX_HEADER_BYTES, rect);
          fill(frame.subarray(MUX_HEADER_BYTES + DAMAGE_HEADER_BYTES));
          write(frame);
        },
      });
      views.set(viewId, view);
      return {
        monitor: view.monitor,
        request: (method, payload) => view.request(method, payload),
        receive: (envelope) => view.receive(envelope),
        detach: () => {
          views.delete(viewId);
          view.detach();
        },
      };
    },
  };
}
