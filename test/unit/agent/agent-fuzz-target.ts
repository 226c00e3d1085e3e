// The guest agent's message stream as a fuzz target (see test/unit/decoders/fuzz-targets.ts): seeds are streams of
// real-shaped agent messages (announce, grabs, clipboard data of every type, transfer statuses, replies, unknown
// types); each input is fed to a connected GuestAgent in uneven AGENT_DATA pieces with a clipboard request pending.
// Nothing may escape as an exception; an input the agent reports as malformed counts as "rejected".
import { encodeVdAgentMessageHeader } from '../../../main/spice/agent/agent-messages';
import * as V from '../../../main/spice/agent/vd-agent';
import type { DecodedImage } from '../../../main/spice/decoders/types';
import { ProtocolError } from '../../../main/spice/errors';
import { LINUX_AGENT_CAPS, agentWire, announce, guest, u32 } from '../../support/agent-wire';
import { buildBmp } from '../../support/bmp-builder';

function stream(messages: [number, Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  for (const [type, payload] of messages)
    parts.push(...encodeVdAgentMessageHeader(type, payload.length), ...payload);
  return new Uint8Array(parts);
}

const PNG_HEADER = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 4, 0, 0, 0, 4,
  8, 6,
]);

export function agentFuzzSeeds(): { data: Uint8Array; width: number; height: number }[] {
  const text = new TextEncoder().encode('guest text ✓\r\n');
  const bmp = buildBmp({ bpp: 24, encode: ([r, g, b]) => [b, g, r] });
  const seeds: [number, Uint8Array][][] = [
    [
      [V.VD_AGENT_ANNOUNCE_CAPABILITIES, announce(true, LINUX_AGENT_CAPS)],
      [V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [1, 2, 3])],
      [V.VD_AGENT_CLIPBOARD, guest.data(0, 1, text)],
    ],
    [
      [V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [3])],
      [V.VD_AGENT_CLIPBOARD, guest.data(0, 3, bmp)],
      [V.VD_AGENT_CLIPBOARD_RELEASE, guest.release(0)],
    ],
    [
      [V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(1, 0, [2])],
      [V.VD_AGENT_CLIPBOARD, guest.data(1, 2, PNG_HEADER)],
      [V.VD_AGENT_CLIPBOARD_REQUEST, guest.request(1, 1)],
    ],
    [
      [V.VD_AGENT_FILE_XFER_STATUS, u32(1, 0)],
      [V.VD_AGENT_FILE_XFER_STATUS, new Uint8Array([...u32(1, 4), 0, 0, 1, 0, 0, 0, 0, 0])],
      [V.VD_AGENT_FILE_XFER_STATUS, new Uint8Array([...u32(2, 2), 0, 14, 0, 0, 0])],
      [V.VD_AGENT_REPLY, u32(2, 1)],
      [V.VD_AGENT_FILE_XFER_START, u32(9)],
      [42, u32(1, 2, 3)],
    ],
  ];
  return seeds.map((s) => ({ data: stream(s), width: 0, height: 0 }));
}

const NO_IMAGE: DecodedImage = { width: 0, height: 0, pixels: new Uint8Array(0), hasAlpha: false };

export function runAgentStream(data: Uint8Array): DecodedImage {
  const w = agentWire({
    clipboard: {
      guestGrab() {},
      guestRelease() {},
      readHost: () => Promise.resolve({ kind: 'text', text: 'host' }),
    },
    maxClipboardBytes: 64 * 1024,
    maxClipboardImagePixels: 1 << 16,
    clipboardRequestTimeoutMs: 1000,
  });
  let malformed = '';
  w.agent.on('notice', (n) => {
    if (n.code === 'agent-malformed' || n.code === 'agent-oversized') malformed ||= n.message;
  });
  w.connect(LINUX_AGENT_CAPS);
  w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(0, 0, [1, 2]));
  w.deliver(V.VD_AGENT_CLIPBOARD_GRAB, guest.grab(1, 0, [1]));
  const pending = [
    w.agent.clipboard.readGuest('clipboard', 'text'),
    w.agent.clipboard.readGuest('primary', 'text'),
  ];
  for (const p of pending) p.catch(() => {});
  // Uneven pieces: sizes from the data itself, so the split is part of the input.
  for (let at = 0; at < data.length;) {
    const n = 1 + ((data[at]! * 31 + at) % 2048);
    w.agent.agentData(data.subarray(at, at + n));
    at += n;
  }
  w.agent.channelClosed();
  if (malformed) throw new ProtocolError(malformed);
  return NO_IMAGE;
}
