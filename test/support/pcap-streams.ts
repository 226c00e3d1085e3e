// Reads a pcap(ng) with tshark and returns each TCP direction's bytes in order: real traffic as test input.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TcpDirection {
  stream: number;
  srcPort: number;
  dstPort: number;
  bytes: Buffer;
}

export async function readTcpStreams(path: string): Promise<TcpDirection[]> {
  const { stdout } = await run(
    'tshark',
    [
      '-r',
      path,
      '-o',
      'tcp.desegment_tcp_streams:FALSE',
      '-Y',
      'tcp.len > 0',
      '-T',
      'fields',
      '-e',
      'tcp.stream',
      '-e',
      'tcp.srcport',
      '-e',
      'tcp.dstport',
      '-e',
      'tcp.payload',
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const byKey = new Map<string, { stream: number; srcPort: number; dstPort: number; parts: Buffer[] }>();
  for (const line of stdout.split('\n')) {
    const [stream, src, dst, hex] = line.split('\t');
    if (!hex) continue;
    const key = `${stream}:${src}`;
    let entry = byKey.get(key);
    if (!entry)
      byKey.set(
        key,
        (entry = { stream: Number(stream), srcPort: Number(src), dstPort: Number(dst), parts: [] }),
      );
    entry.parts.push(Buffer.from(hex.replace(/:/g, ''), 'hex'));
  }
  return [...byKey.values()].map((e) => ({
    stream: e.stream,
    srcPort: e.srcPort,
    dstPort: e.dstPort,
    bytes: Buffer.concat(e.parts),
  }));
}

export interface ServerChannelStream {
  channelType: number;
  /** Server→client data messages (after the link reply and the 4-byte link result), mini-header framed. */
  messages: Buffer;
}

/** Splits a capture into server→client message streams per channel (link stage stripped). */
export async function serverMessageStreams(path: string, serverPort: number): Promise<ServerChannelStream[]> {
  const dirs = await readTcpStreams(path);
  const out: ServerChannelStream[] = [];
  for (const client of dirs.filter((d) => d.dstPort === serverPort)) {
    const server = dirs.find((d) => d.stream === client.stream && d.srcPort === serverPort);
    if (!server || client.bytes.length < 22) continue;
    const channelType = client.bytes[20]!; // SpiceLinkHeader(16) + connection_id(4)
    const replySize = server.bytes.readUInt32LE(12);
    const start = 16 + replySize + 4;
    if (server.bytes.length <= start) continue;
    out.push({ channelType, messages: server.bytes.subarray(start) });
  }
  return out;
}
