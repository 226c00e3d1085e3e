// The message streams the unit suite replays (test/fixtures/captures/session-server-*.bin) are exactly what
// tshark extracts from the committed session.pcapng, so the vendored copies cannot drift from the capture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractStreams } from '../fixtures/captures/tools/extract-streams';
import { CAPTURES_DIR } from '../support/fixture-paths';
import { requireTools } from '../support/require-tool';

requireTools(['tshark']);

void test(
  'session-server-*.bin equal the streams tshark extracts from session.pcapng',
  { timeout: 60_000 },
  async () => {
    const streams = await extractStreams();
    assert.deepEqual([...streams.keys()].sort(), [
      'session-server-display.bin',
      'session-server-main.bin',
      'session-server-usbredir.bin',
    ]);
    for (const [name, bytes] of streams) {
      assert.ok(readFileSync(join(CAPTURES_DIR, name)).equals(bytes), `${name} matches the capture`);
    }
  },
);
