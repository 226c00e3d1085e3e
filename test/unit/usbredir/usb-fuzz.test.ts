// Short, fixed-seed fuzz runs of the usbredir parser and the virtual devices' SCSI command handling (long runs:
// `npm run fuzz -- --target usbredir-parser,usb-scsi`). A crash is any outcome other than a packet, a ProtocolError or a CSW.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzParserOnce, fuzzScsiOnce } from './usb-fuzz-targets';

void test('usbredir parser: 3000 mutated streams parse or are refused with ProtocolError', () => {
  let rejected = 0;
  for (let i = 0; i < 3000; i++) {
    const r = fuzzParserOnce(1, i);
    if (typeof r === 'object') assert.fail(`iteration ${i}: ${String(r.crash)}`);
    if (r === 'rejected') rejected++;
  }
  assert.ok(rejected > 300, `mutations reach the error paths (${rejected} refused)`);
});

void test(
  'SCSI over Bulk-Only: 60 sessions of random commands always end in a CSW',
  { timeout: 60_000 },
  async () => {
    for (let i = 0; i < 60; i++) {
      const r = await fuzzScsiOnce(1, i);
      if (typeof r === 'object')
        assert.fail(`iteration ${i}: ${r.crash instanceof Error ? r.crash.stack : String(r.crash)}`);
    }
  },
);
