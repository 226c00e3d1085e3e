// QUIC row decoders for a single 8-bit channel: the GRAY image type and the alpha rows of RGBA. Samples
// live in a byte array with a 4-byte step (one lane of the RGBA output), so the alpha of an RGBA image is
// decoded in place and GRAY is decoded into the red lane and then spread by the caller. Same model, row,
// segment and run logic as the RGB decoder (spice-common quic_tmpl.c, ONE_BYTE / FOUR_BYTE variants).

import { CORR as CORR_, updateModel as updateModel_ } from './quic-state';
import type { QuicBits, QuicModel } from './quic-state';
import type { QuicFamily } from './quic-tables';
import { TABRAND_CHAOS as TABRAND_CHAOS_, WM_MAX as WM_MAX_ } from './quic-tables';

// Module-local copies of imported bindings: hot loops must not go through live-binding getters (which is
// what a CommonJS transpilation, e.g. tsx in tests and benchmarks, turns imported names into).
const updateModel = updateModel_;
const TABRAND_CHAOS = TABRAND_CHAOS_;
const WM_MAX = WM_MAX_;
const CORR = CORR_;

/** Decodes row 0 of a single channel into px[base + 4 * x] (left prediction only, no runs). */
export function decodePlaneRow0(
  bits: QuicBits,
  m: QuicModel,
  fam: QuicFamily,
  px: Uint8Array,
  base: number,
  width: number,
): void {
  const words = bits.words;
  let word = bits.word;
  let nxt = bits.next;
  let avail = bits.avail;
  let pos = bits.pos;
  const bucketOf = fam.bucketOf;
  const nGr = fam.nGrCodewords;
  const ngLen = fam.notGrCodeLen;
  const ngMask = fam.notGrSuffixMask;
  const mask = fam.mask;
  const S = m.s;
  let wait = m.wait;
  let seed = m.seed;
  let ctxA = 0;
  let vA = 0;
  let e = 0;
  let l = 0;
  let zp = 0;
  let len = 0;
  let left = 0;
  let i = 0;
  let segStart = 0;
  while (segStart < width) {
    const remaining = width - segStart;
    const stepWm = m.wmIdx < WM_MAX && m.wmLeft <= remaining;
    const segEnd = stepWm ? segStart + m.wmLeft : width;
    const waitMask = (1 << m.wmIdx) - 1;
    const trigger = m.trigger;
    for (; i < segEnd; i++) {
      // A
      e = S[0 + ctxA]!;
      l = e & 7;
      zp = Math.clz32(word);
      if (zp < e >> 3) {
        len = zp + 1 + l;
        vA = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vA = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      S[CORR + i] = vA;
      left = (((vA >>> 1) ^ -(vA & 1)) + left) & mask;
      px[base + 4 * i] = left;
      if (wait === 0) {
        updateModel(m.counters0, m.best0, S, 0, bucketOf[ctxA]!, vA, fam, trigger);
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxA = vA;
    }
    if (stepWm) {
      m.stepWaitMask();
    } else if (m.wmIdx < WM_MAX) {
      m.wmLeft -= segEnd - segStart;
    }
    segStart = segEnd;
  }
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}

/** Decodes row y >= 1 of a single channel into px[base + 4 * x]; the row above is at base - 4 * width. */
export function decodePlaneRow(
  bits: QuicBits,
  m: QuicModel,
  fam: QuicFamily,
  px: Uint8Array,
  base: number,
  width: number,
): void {
  const words = bits.words;
  let word = bits.word;
  let nxt = bits.next;
  let avail = bits.avail;
  let pos = bits.pos;
  const bucketOf = fam.bucketOf;
  const nGr = fam.nGrCodewords;
  const ngLen = fam.notGrCodeLen;
  const ngMask = fam.notGrSuffixMask;
  const mask = fam.mask;
  const S = m.s;
  const above = base - 4 * width;
  let wait = m.wait;
  let seed = m.seed;
  let ctxA = S[CORR]!;
  let vA = 0;
  let e = 0;
  let l = 0;
  let zp = 0;
  let len = 0;
  let up = px[above]!;
  let upLeft = up;
  let left = 0;
  let left2 = 0;
  let runIdx = -1;
  let i = 0;
  let segStart = 0;
  while (segStart < width) {
    const remaining = width - segStart;
    const stepWm = m.wmIdx < WM_MAX && m.wmLeft <= remaining;
    const segEnd = stepWm ? segStart + m.wmLeft : width;
    const waitMask = (1 << m.wmIdx) - 1;
    const trigger = m.trigger;
    if (i === 0) {
      // A
      e = S[0 + ctxA]!;
      l = e & 7;
      zp = Math.clz32(word);
      if (zp < e >> 3) {
        len = zp + 1 + l;
        vA = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vA = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      S[CORR] = vA;
      left = (((vA >>> 1) ^ -(vA & 1)) + up) & mask;
      px[base] = left;
      left2 = left;
      if (wait === 0) {
        updateModel(m.counters0, m.best0, S, 0, bucketOf[ctxA]!, vA, fam, trigger);
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxA = vA;
      i = 1;
    }
    while (i < segEnd) {
      up = px[above + 4 * i]!;
      if (up === upLeft && left === left2 && i > 2 && i !== runIdx) {
        runIdx = i;
        bits.word = word;
        bits.next = nxt;
        bits.avail = avail;
        bits.pos = pos;
        const run = m.readRun(bits, segEnd - i);
        word = bits.word;
        nxt = bits.next;
        avail = bits.avail;
        pos = bits.pos;
        if (run !== 0) {
          for (let k = 0; k < run; k++) px[base + 4 * (i + k)] = left;
          i += run;
          left2 = left;
          upLeft = px[above + 4 * (i - 1)]!;
          ctxA = S[CORR + i - 1]!;
        }
        continue;
      }
      // A
      e = S[0 + ctxA]!;
      l = e & 7;
      zp = Math.clz32(word);
      if (zp < e >> 3) {
        len = zp + 1 + l;
        vA = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vA = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      S[CORR + i] = vA;
      const cur = (((vA >>> 1) ^ -(vA & 1)) + ((left + up) >>> 1)) & mask;
      px[base + 4 * i] = cur;
      if (wait === 0) {
        updateModel(m.counters0, m.best0, S, 0, bucketOf[ctxA]!, vA, fam, trigger);
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxA = vA;
      left2 = left;
      left = cur;
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
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}
