// Helpers for tests of the SPICE test server: deterministic test PNGs, spicy-screenshot runs and their
// PPM output, an x509 directory (CA + server certificate for 127.0.0.1) made with openssl, the spicy GUI
// client under Xvfb, and tshark captures of loopback SPICE traffic.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export interface RgbImage {
  width: number;
  height: number;
  /** width*height*3 bytes, RGB, top-down */
  rgb: Buffer;
}

/** Parses a binary PPM (P6, maxval 255), as spicy-screenshot writes. */
export function parsePpm(data: Buffer): RgbImage {
  let offset = 0;
  const fields: string[] = [];
  while (fields.length < 4) {
    while (offset < data.length && /\s/.test(String.fromCharCode(data[offset] ?? 0))) offset++;
    if (data[offset] === 0x23) {
      while (offset < data.length && data[offset] !== 0x0a) offset++;
      continue;
    }
    let field = '';
    while (offset < data.length && !/\s/.test(String.fromCharCode(data[offset] ?? 0))) {
      field += String.fromCharCode(data[offset] ?? 0);
      offset++;
    }
    if (field === '') throw new Error('truncated PPM header');
    fields.push(field);
  }
  offset++; // the single whitespace after maxval
  const [magic, w, h, max] = fields;
  const width = Number(w);
  const height = Number(h);
  if (magic !== 'P6' || max !== '255' || !(width > 0) || !(height > 0)) {
    throw new Error(`unsupported PPM header ${fields.join(' ')}`);
  }
  const size = width * height * 3;
  if (data.length - offset < size) throw new Error('truncated PPM data');
  return { width, height, rgb: data.subarray(offset, offset + size) };
}

export async function readPngRgb(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgb: data };
}

/**
 * A deterministic test picture: a noisy photographic gradient on the left (QUIC territory in the auto
 * modes), flat blocks and thin lines on the right (LZ/GLZ territory).
 */
export async function writeTestPng(path: string, width: number, height: number, seed = 1): Promise<RgbImage> {
  const rgb = Buffer.alloc(width * height * 3);
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (x < width / 2) {
        const noise = rand() % 9;
        rgb[i] = (x * 255) / (width / 2) + noise;
        rgb[i + 1] = (y * 255) / height + noise;
        rgb[i + 2] = 128 + 100 * Math.sin((x + y) / 17);
      } else {
        const block = ((x >> 4) + (y >> 4)) % 4;
        const line = y % 7 === 0 || x % 11 === 0;
        rgb[i] = line ? 0 : ([255, 30, 200, 90][block] ?? 0);
        rgb[i + 1] = line ? 0 : ([255, 160, 40, 90][block] ?? 0);
        rgb[i + 2] = line ? 0 : ([255, 60, 120, 250][block] ?? 0);
      }
    }
  }
  await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
  return { width, height, rgb };
}

export async function writeSolidPng(
  path: string,
  width: number,
  height: number,
  rgb: [number, number, number],
) {
  await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toFile(path);
}

export interface ScreenshotOptions {
  port?: number;
  tlsPort?: number;
  password?: string;
  /** CA bundle for TLS (spicy-screenshot has no CA option: OpenSSL reads SSL_CERT_FILE). */
  caFile?: string;
  timeoutMs?: number;
}

export interface ScreenshotResult {
  ok: boolean;
  code: number | null;
  stderr: string;
  image?: RgbImage;
}

/** Runs spicy-screenshot (spice-gtk's headless client) against 127.0.0.1 and reads the PPM it wrote. */
export function spicyScreenshot(outPath: string, opts: ScreenshotOptions): Promise<ScreenshotResult> {
  const args = ['-h', '127.0.0.1', '-o', outPath];
  if (opts.port !== undefined) args.push('-p', String(opts.port));
  if (opts.tlsPort !== undefined) args.push('-s', String(opts.tlsPort));
  if (opts.password !== undefined) args.push('-w', opts.password);
  const env = { ...process.env };
  if (opts.caFile !== undefined) env.SSL_CERT_FILE = opts.caFile;
  rmSync(outPath, { force: true });
  return new Promise((resolve) => {
    execFile(
      'spicy-screenshot',
      args,
      { env, timeout: opts.timeoutMs ?? 20000 },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (code !== 0) {
          resolve({ ok: false, code, stderr });
          return;
        }
        resolve({ ok: true, code, stderr, image: parsePpm(readFileSync(outPath)) });
      },
    );
  });
}

/** Counts differing bytes of two RGB images (which must have equal sizes). */
export function countDiffs(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) return Number.POSITIVE_INFINITY;
  let diffs = 0;
  for (let i = 0; i < a.rgb.length; i++) if (a.rgb[i] !== b.rgb[i]) diffs++;
  return diffs;
}

export function pixelAt(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.rgb[i] ?? -1, img.rgb[i + 1] ?? -1, img.rgb[i + 2] ?? -1];
}

/** Copies a rectangle out of an image. */
export function crop(img: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  const rgb = Buffer.alloc(width * height * 3);
  for (let row = 0; row < height; row++) {
    img.rgb.copy(
      rgb,
      row * width * 3,
      ((y + row) * img.width + x) * 3,
      ((y + row) * img.width + x + width) * 3,
    );
  }
  return { width, height, rgb };
}

/**
 * Makes an x509 directory as QEMU expects (ca-cert.pem, server-cert.pem, server-key.pem): a throwaway CA and a
 * server certificate for IP 127.0.0.1 / localhost, subject "CN=saffron-test-server".
 */
export function makeX509Dir(dir: string): { dir: string; caFile: string; subject: string } {
  mkdirSync(dir, { recursive: true });
  const run = (args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  run(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca-cert.pem'].concat([
      '-days',
      '2',
      '-subj',
      '/CN=Saffron Test CA',
    ]),
  );
  run(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr'].concat([
      '-subj',
      '/CN=saffron-test-server',
    ]),
  );
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca-cert.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
    ].concat(['-out', 'server-cert.pem', '-days', '2', '-extfile', 'ext.cnf']),
  );
  return { dir, caFile: join(dir, 'ca-cert.pem'), subject: 'CN=saffron-test-server' };
}

export interface SpicyGui {
  /** spicy's stdin: with a port named "org.spice.spicy" it is written to that port. */
  write(text: string): void;
  /** What spicy printed on stdout (the "org.spice.spicy" port's data). */
  stdout(): string;
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Runs spice-gtk's `spicy` window under a private Xvfb (xvfb-run -a) until stop(). */
export function startSpicyGui(port: number): SpicyGui {
  const child = spawn('xvfb-run', ['-a', 'spicy', '-h', '127.0.0.1', '-p', String(port)], {
    stdio: ['pipe', 'pipe', 'ignore'],
    detached: true,
  });
  let out = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    out += chunk;
    for (const w of [...waiters]) w();
  });
  child.stdin.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    write(text) {
      child.stdin.write(text);
    },
    stdout: () => out,
    waitForStdout(text, timeoutMs = 10000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`spicy did not print ${JSON.stringify(text)}; stdout so far: ${JSON.stringify(out)}`),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM'); // xvfb-run, Xvfb and spicy: the group this call started
        } catch {
          // already gone
        }
      }
      await exited;
      child.stdin.destroy();
      child.stdout.destroy();
    },
  };
}

export interface PacketCapture {
  file: string;
  stop(): Promise<void>;
}

/** Captures `tcp port P` on loopback with tshark into dir/capture.pcapng; resolves once capturing. */
export function startPacketCapture(port: number, dir: string): Promise<PacketCapture> {
  const file = join(dir, 'capture.pcapng');
  const child = spawn('tshark', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      void stop().then(() => reject(new Error(`tshark did not start capturing: ${stderr}`)));
    }, 10000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('Capturing on')) {
        clearTimeout(timer);
        resolve({ file, stop });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`tshark exited: ${stderr}`));
    });
  });
}

/** Reads fields of the SPICE packets matching filter (port decoded as SPICE). One row per packet. */
export function tsharkFields(
  file: string,
  port: number,
  filter: string,
  fields: string[],
): Promise<string[][]> {
  const args = ['-r', file, '-d', `tcp.port==${port},spice`, '-Y', filter, '-T', 'fields'];
  for (const f of fields) args.push('-e', f);
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error) {
        reject(new Error(`tshark -r failed: ${error.message}`));
        return;
      }
      resolve(
        stdout
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => line.split('\t')),
      );
    });
  });
}
