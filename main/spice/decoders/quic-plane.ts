// QUIC row decoders for a single 8-bit channel: the GRAY image type and the alpha rows of RGBA. Samples
// live in a byte array with a 4-byte step (one lane of the RGBA output), so the alpha of an RGBA image is
// decoded in place and GRAY is decoded into the red lane and then spread by the caller. Same model, row,
// segment and run logic as the RGB decoder (spice-common quic_tmpl.c, ONE_BYTE / FOUR_BYTE variants), in
// a simpler loop: these types are rare and not on the benchmark's hot path.

import { packBestCodes as packBestCodes_, updateModel as updateModel_ } from './quic-state';
import type { QuicBits, QuicModel } from './quic-state';
import type { QuicFamily } from './quic-tables';
import { TABRAND_CHAOS as TABRAND_CHAOS_, WM_MAX as WM_MAX_ } from './quic-tables';

// Module-local copies of imported bindings (no live-binding getters under CommonJS transpilation).
const updateModel = updateModel_;
const packBestCodes = packBestCodes_;
const TABRAND_CHAOS = TABRAND_CHAOS_;
const WM_MAX = WM_MAX_;

/**
 * Decodes one row of a single channel into px[base + 4 * x]. Row 0 (`first`) predicts from the left only
 * and has no runs; later rows read the row above at base - 4 * width.
 */
export function decodePlaneRow(
  bits: QuicBits,
  m: QuicModel,
  fam: QuicFamily,
  px: Uint8Array,
  base: number,
  width: number,
  first: boolean,
): void {
  const H = bits.heap;
  let word = bits.word | 0;
  let nxt = bits.next | 0;
  let avail = bits.avail | 0;
  let pos = bits.pos | 0;
  const corr = m.corr | 0;
  const bucketOf = fam.bucketOf;
  const notGr = fam.notGr;
  const cap = fam.grPrefixLimit[0]!;
  const mask = fam.mask | 0;
  const levels = mask + 1;
  const above = base - 4 * width;
  let bcA = m.bc0 | 0;
  let wait = m.wait | 0;
  let seed = m.seed | 0;
  // Context of pixel 0: 0 in row 0, else the residual of pixel 0 of the previous row.
  let ctxA = first ? 0 : H[corr]! & 255;
  let vA = 0;
  let l = 0;
  let e = 0;
  let zp = 0;
  let len = 0;
  let up = 0;
  let upLeft = first ? 0 : px[above]!;
  let left = 0;
  let runIdx = -1;
  let i = 0;
  let segStart = 0;
  while (segStart < width) {
    const remaining = width - segStart;
    const stepWm = m.wmIdx < WM_MAX && m.wmLeft <= remaining;
    const segEnd = (stepWm ? segStart + m.wmLeft : width) | 0;
    const waitMask = ((1 << m.wmIdx) - 1) | 0;
    const trigger = m.trigger | 0;
    while (i < segEnd) {
      let pred: number;
      if (first) {
        pred = left;
      } else {
        up = px[above + 4 * i]!;
        if (i === 0) {
          pred = up;
        } else {
          if (up === upLeft && i > 2 && i !== runIdx && left === px[base + 4 * (i - 2)]) {
            runIdx = i;
            bits.word = word;
            bits.next = nxt;
            bits.avail = avail;
            bits.pos = pos;
            const run = m.readRun(bits, segEnd - i) | 0;
            word = bits.word | 0;
            nxt = bits.next | 0;
            avail = bits.avail | 0;
            pos = bits.pos | 0;
            if (run !== 0) {
              for (let k = 0; k < run; k++) px[base + 4 * (i + k)] = left;
              i += run;
              upLeft = px[above + 4 * (i - 1)]!;
              ctxA = H[corr + i - 1]! & 255;
            }
            continue;
          }
          pred = (left + up) >>> 1;
        }
      }
      // A
      l = (bcA >>> (3 * Math.clz32(ctxA + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vA = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vA = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << (32 - avail);
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      H[corr + i] = vA;
      left = (((vA >>> 1) ^ -(vA & 1)) + pred) & mask;
      px[base + 4 * i] = left;
      if (wait === 0) {
        if (updateModel(m.counters0, m.best0, bucketOf[ctxA]!, vA, fam, trigger))
          bcA = packBestCodes(m.best0);
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxA = vA;
      upLeft = up;
      i++;
    }
    if (stepWm) {
      m.stepWaitMask();
    } else if (m.wmIdx < WM_MAX) {
      m.wmLeft -= segEnd - segStart;
    }
    segStart = segEnd;
  }
  m.bc0 = bcA;
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}
