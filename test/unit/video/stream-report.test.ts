// The video pieces that need no server: STREAM_REPORT windows as spice-gtk sends them, the invalid-stream report,
// the display caps for video and the user's codec list (`--video-codecs`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../main/spice/protocol/enums';
import {
  DROP_SEQUENCE_LIMIT,
  INVALID_STREAM_DROPS,
  invalidStreamReport,
  StreamReporter,
} from '../../../main/spice/video/stream-report';
import {
  createVideoPreference,
  preferredOrder,
  videoCaps,
  videoPreferenceOption,
} from '../../../main/spice/video/video-caps';
import { parseVideoCodecList, videoCodecLabel } from '../../../shared/video-codecs';
import * as D from '../../../main/spice/codecs/display';
import { SpiceReader } from '../../../main/spice/wire/reader';
import { SpiceWriter } from '../../../main/spice/wire/writer';

function fakeClock(): { now: number; audioDelayMs: number | null; monotonicMs(): number } {
  return {
    now: 1000,
    audioDelayMs: null,
    monotonicMs() {
      return this.now;
    },
  };
}

void test('nothing is reported before STREAM_ACTIVATE_REPORT', () => {
  const r = new StreamReporter(3, fakeClock());
  for (let i = 0; i < 50; i++) assert.equal(r.frame(i * 40, 100), null);
  assert.equal(r.isActive, false);
});

void test('a full window sends one report with the window, the last delay and no audio', () => {
  const clock = fakeClock();
  const r = new StreamReporter(3, clock);
  r.activate(77, 4, 10_000);
  assert.equal(r.frame(100, 50), null);
  assert.equal(r.frame(140, -5), null); // late: a drop
  assert.equal(r.frame(180, 20), null);
  const report = r.frame(220, 30);
  assert.deepEqual(report, {
    stream_id: 3,
    unique_id: 77,
    start_frame_mm_time: 100,
    end_frame_mm_time: 220,
    num_frames: 4,
    num_drops: 1,
    last_frame_delay: 30,
    audio_delay: 0xffffffff,
  });
  // the next window starts afresh
  assert.equal(r.frame(260, 10), null);
});

void test('the timeout and a run of drops send a report early; audio delay comes from the clock', () => {
  const clock = fakeClock();
  clock.audioDelayMs = 180;
  const r = new StreamReporter(0, clock);
  r.activate(1, 100, 500);
  assert.equal(r.frame(0, 10), null);
  clock.now += 499;
  assert.equal(r.frame(40, 10), null);
  clock.now += 1;
  const byTime = r.frame(80, 10);
  assert.equal(byTime?.num_frames, 3);
  assert.equal(byTime?.audio_delay, 180);
  for (let i = 1; i < DROP_SEQUENCE_LIMIT; i++) assert.equal(r.frame(100 + i, -1), null);
  const byDrops = r.frame(200, -7);
  assert.equal(byDrops?.num_drops, DROP_SEQUENCE_LIMIT);
  assert.equal(byDrops?.last_frame_delay, -7);
});

void test('frames the view could not show count as drops, bounded by the window', () => {
  const r = new StreamReporter(0, fakeClock());
  r.activate(1, 5, 10_000);
  r.addViewDrops(1_000_000);
  const report = r.frame(0, 10);
  assert.ok(report, 'the drop run sends a report at once');
  assert.equal(report.num_frames, 1);
  assert.equal(report.num_drops, 1, 'never more drops than frames');
});

void test('the invalid-stream report is what spice-server takes as "cannot play" and encodes as 32 bytes', () => {
  const report = invalidStreamReport(9);
  assert.equal(report.num_frames, 0);
  assert.equal(report.num_drops, INVALID_STREAM_DROPS);
  const bytes = D.encodeSpiceMsgcDisplayStreamReport(new SpiceWriter(32), report).finish();
  assert.equal(bytes.length, 32);
  assert.deepEqual(D.decodeSpiceMsgcDisplayStreamReport(new SpiceReader(bytes)), report);
});

void test('PREFERRED_VIDEO_CODEC_TYPE encodes a count and one byte per codec', () => {
  const bytes = D.encodeSpiceMsgcDisplayPreferredVideoCodecType(new SpiceWriter(4), [3, 2, 1]).finish();
  assert.deepEqual([...bytes], [3, 3, 2, 1]);
  assert.deepEqual(D.decodeSpiceMsgcDisplayPreferredVideoCodecType(new SpiceReader(bytes)), [3, 2, 1]);
});

void test('caps: MULTI_CODEC and STREAM_REPORT always, CODEC_* only for what is played and allowed', () => {
  const played = [E.SPICE_VIDEO_CODEC_TYPE_MJPEG, E.SPICE_VIDEO_CODEC_TYPE_VP8];
  const caps = videoCaps(played);
  assert.ok(caps.includes(E.SPICE_DISPLAY_CAP_MULTI_CODEC));
  assert.ok(caps.includes(E.SPICE_DISPLAY_CAP_STREAM_REPORT));
  assert.ok(caps.includes(E.SPICE_DISPLAY_CAP_CODEC_MJPEG));
  assert.ok(caps.includes(E.SPICE_DISPLAY_CAP_CODEC_VP8));
  assert.ok(!caps.includes(E.SPICE_DISPLAY_CAP_CODEC_H264), 'never a codec nobody decodes');
  const onlyVp8 = createVideoPreference({
    allowed: [E.SPICE_VIDEO_CODEC_TYPE_VP8, E.SPICE_VIDEO_CODEC_TYPE_H264],
  });
  const kept = videoCaps(played, onlyVp8);
  assert.ok(kept.includes(E.SPICE_DISPLAY_CAP_CODEC_VP8));
  assert.ok(!kept.includes(E.SPICE_DISPLAY_CAP_CODEC_MJPEG));
  assert.ok(!kept.includes(E.SPICE_DISPLAY_CAP_CODEC_H264));
  const none = videoCaps(played, createVideoPreference({ allowed: [] }));
  assert.ok(
    !none.some(
      (c) => c >= E.SPICE_DISPLAY_CAP_CODEC_MJPEG && c !== E.SPICE_DISPLAY_CAP_PREF_VIDEO_CODEC_TYPE,
    ),
  );
});

void test('the preferred order is kept to what was advertised; changes reach listeners', () => {
  const pref = createVideoPreference({ order: [5, 3, 3, 2, 1] });
  assert.deepEqual(preferredOrder([1, 2, 3], pref), [3, 2, 1]);
  assert.deepEqual(preferredOrder([1, 2, 3]), []);
  let calls = 0;
  const off = pref.onChange(() => calls++);
  pref.setOrder([2]);
  off();
  pref.setOrder([1]);
  assert.equal(calls, 1);
  assert.deepEqual(pref.order(), [1]);
  assert.deepEqual(videoPreferenceOption({}), {});
  const fromConfig = videoPreferenceOption({ videoCodecs: [3, 1] }).videoPreference;
  assert.deepEqual(fromConfig?.allowed(), [3, 1]);
  assert.deepEqual(fromConfig?.order(), [3, 1]);
});

void test('--video-codecs: names, aliases, none, and a message naming a bad entry', () => {
  assert.deepEqual(parseVideoCodecList('h264,vp8,mjpeg'), [3, 2, 1]);
  assert.deepEqual(parseVideoCodecList(' HEVC ; avc;h264 '), [5, 3]);
  assert.deepEqual(parseVideoCodecList('none'), []);
  assert.throws(() => parseVideoCodecList('vp8,av1'), /unknown video codec 'av1'/);
  assert.throws(() => parseVideoCodecList(','), /empty/);
  assert.equal(videoCodecLabel(3), 'H.264');
  assert.equal(videoCodecLabel(99), 'codec 99');
});
