// Wireshark's SPICE dissector reads a capture of our link stage and main channel without a malformed packet.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startQemu, type Qemu } from '../support/qemu';
import { runCli } from '../support/run-cli';
import { dissect, startCapture } from '../support/tshark';
import { requireTools } from '../support/require-tool';

requireTools(['qemu', 'tshark']);

let qemu: Qemu;
before(async () => {
  qemu = await startQemu({ password: 'secret', name: 'wire' });
});
after(async () => {
  await qemu?.stop();
});

test('tshark dissects our link messages, ticket and main channel traffic with no malformed packets', async () => {
  const capture = await startCapture(qemu.port);
  try {
    const r = await runCli(['info', `spice://127.0.0.1:${qemu.port}`, '--password', 'secret']);
    assert.equal(r.code, 0, r.stderr);
    await capture.stop();

    const links = await dissect(capture.file, qemu.port, 'spice.link_client', [
      'spice.magic',
      'spice.major_version',
      'spice.minor_version',
      'spice.channel_type',
      'spice.num_common_caps',
      'spice.caps_offset',
      'spice.common_cap_mini_header',
      'spice.common_cap_auth_spice',
    ]);
    assert.ok(links.length >= 3, `link messages for main and secondary channels (${links.length})`);
    for (const row of links) {
      assert.equal(row[1], '2', 'major version');
      assert.equal(row[2], '2', 'minor version');
      assert.equal(row[5], '18', `caps_offset = sizeof(SpiceLinkMess): ${JSON.stringify(links)}`);
      assert.ok(row[6] === '1' || row[6] === 'True', 'MINI_HEADER offered');
    }
    const channelTypes = new Set(links.map((row) => row[3]));
    assert.ok(
      channelTypes.has('1') && channelTypes.has('3'),
      `main and inputs linked: ${[...channelTypes].join(',')}`,
    );

    const tickets = await dissect(capture.file, qemu.port, 'spice.ticket_client', ['frame.number']);
    assert.ok(tickets.length >= 1, 'the encrypted ticket is recognised');

    const clientMessages = await dissect(
      capture.file,
      qemu.port,
      'spice.message_type && tcp.dstport == ' + qemu.port,
      ['spice.message_type'],
    );
    const types = new Set(clientMessages.flatMap((row) => row[0]!.split(',')));
    assert.ok(types.has('104'), `ATTACH_CHANNELS sent (client message types: ${[...types].join(',')})`);

    const malformed = await dissect(
      capture.file,
      qemu.port,
      '_ws.malformed || _ws.expert.severity >= "error"',
      ['frame.number', '_ws.expert.message'],
    );
    assert.deepEqual(malformed, [], 'no malformed or error-level packets');
  } finally {
    if (process.env.KEEP_CAPTURE) console.log('capture kept at', capture.file);
    else await capture.dispose();
  }
});
