// The gateway's accepted tokens (`--tokens FILE`): one token per line; blank lines and lines starting with '#'
// are skipped, surrounding whitespace is trimmed. Tokens are compared in constant time (SHA-256 digests), and
// never logged. The file is read again when it changes (checked at most once a second), so tokens can be added
// or revoked without a restart.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { SpiceError } from '../spice/errors';
import { MAX_TOKEN_BYTES } from '../spice/transport/udpack/handshake';

const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function parseTokens(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (Buffer.byteLength(line) > MAX_TOKEN_BYTES) continue;
    out.push(createHash('sha256').update(line, 'utf8').digest());
  }
  return out;
}

export function tokenMatches(digests: readonly Buffer[], token: string): boolean {
  const digest = createHash('sha256').update(token, 'utf8').digest();
  let found = false;
  for (const d of digests) if (timingSafeEqual(d, digest)) found = true;
  return found;
}

export interface TokenFile {
  verify(token: string): Promise<boolean>;
  readonly count: number;
}

/** Loads the file (SpiceError 'config' when unreadable or empty) and returns a verifier that follows its changes. */
export async function loadTokenFile(path: string, now: () => number = Date.now): Promise<TokenFile> {
  const read = async (): Promise<{ digests: Buffer[]; mtimeMs: number }> => {
    const info = await stat(path);
    if (info.size > MAX_FILE_BYTES) throw new SpiceError('config', `the token file '${path}' is too large`);
    return { digests: parseTokens(await readFile(path, 'utf8')), mtimeMs: info.mtimeMs };
  };
  let current: { digests: Buffer[]; mtimeMs: number };
  try {
    current = await read();
  } catch (e) {
    if (e instanceof SpiceError) throw e;
    throw new SpiceError('config', `cannot read the token file '${path}': ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (current.digests.length === 0)
    throw new SpiceError(
      'config',
      `the token file '${path}' holds no token (one per line; # starts a comment)`,
    );
  let checkedAt = now();
  return {
    get count() {
      return current.digests.length;
    },
    async verify(token: string): Promise<boolean> {
      if (now() - checkedAt >= 1000) {
        checkedAt = now();
        try {
          const info = await stat(path);
          if (info.mtimeMs !== current.mtimeMs) current = await read();
        } catch {
          // unreadable for a moment (being rewritten): keep the last good list
        }
      }
      return tokenMatches(current.digests, token);
    },
  };
}
