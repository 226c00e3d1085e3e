// QUIC row decoders for the three-channel (R, G, B) image types: RGB32/RGB24 and the colour part of RGBA
// at 8 bits per channel, RGB16 at 5 bits. Pixels are packed little-endian words r | g << 8 | b << 16 |
// alphaFill in an Int32Array plane (the RGBA output viewed as words). Follows spice-common quic_tmpl.c's
// row / segment / run logic, restructured for speed:
// - the inner loops decode the pixels between two model updates with no calls inside (updates and runs
//   are handled between inner loops);
// - the bit window, contexts, neighbours and each channel's best code per bucket (packed 3 bits per
//   bucket into one integer, see packBestCodes) live in locals, so a symbol costs no table lookup;
// - the three channels are decoded inline (written out three times on purpose: no per-symbol calls);
// - runs are decoded inline too (no bit-reader state round trip through objects);
// - decodeRgb32Row0 / decodeRgb32Row are the same code with the 8-bit, opaque-alpha constants written
//   in (fewer live values, so fewer register spills in V8), used for RGB32 and RGB24.
//   They also rebuild a pixel with packed-lane (SWAR) arithmetic on the three 8-bit lanes at once: the
//   residuals are un-zigzagged as ((d >>> 1) & 0x7f7f7f) ^ (d & 0x010101) * 255, the predictor is the
//   carry-free lane average (a & b) + (((a ^ b) & 0xfefefe) >>> 1), and the lanes are added modulo 256
//   with ((a & 0x7f7f7f) + (b & 0x7f7f7f)) ^ ((a ^ b) & 0x808080).
//   Their codewords are decoded arithmetically: a GR codeword's value is (word >>> (32 - len)) +
//   ((zp - 1) << l) (the top len bits are 1 << l plus the remainder), and an escape codeword's prefix
//   length e = min(18, 2^(8 - l) - 1), value base e << l and suffix length ceil(log2(256 - base)) follow
//   from l alone, so no table is loaded.
//   Shift counts 32 - n are written -n (JS takes shift counts modulo 32; n is 1..31 there).
// Typed-array accesses are what V8 pays most for, so a pixel touches only the row above, its own output
// word and its correlation word (plus one input word every 32 bits).

import {
  packBestCodes as packBestCodes_,
  updateModel as updateModel_,
  updatePixel8 as updatePixel8_,
} from './quic-state';
import type { QuicBits, QuicModel } from './quic-state';
import type { QuicFamily } from './quic-tables';
import { MELC_LEN as MELC_LEN_, TABRAND_CHAOS as TABRAND_CHAOS_, WM_MAX as WM_MAX_ } from './quic-tables';
import { ProtocolError } from '../errors';

// Module-local copies of imported bindings: hot code must not go through live-binding getters (which is
// what a CommonJS transpilation, e.g. tsx in tests and benchmarks, turns imported names into).
const updateModel = updateModel_;
const updatePixel8 = updatePixel8_;
const packBestCodes = packBestCodes_;
const TABRAND_CHAOS = TABRAND_CHAOS_;
const WM_MAX = WM_MAX_;
const MELC_LEN = MELC_LEN_;

function badRun(): ProtocolError {
  return new ProtocolError('QUIC: run length exceeds the row');
}

/** Decodes row 0 (left prediction only, no runs) into plane[rowOff .. rowOff + width). */
export function decodeRgbRow0(
  bits: QuicBits,
  m: QuicModel,
  fam: QuicFamily,
  plane: Int32Array,
  rowOff: number,
  width: number,
  alphaFill: number,
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
  let bcR = m.bc0 | 0;
  let bcG = m.bc1 | 0;
  let bcB = m.bc2 | 0;
  let wait = m.wait | 0;
  let seed = m.seed | 0;
  let ctxR = 0;
  let ctxG = 0;
  let ctxB = 0;
  let vR = 0;
  let vG = 0;
  let vB = 0;
  let l = 0;
  let e = 0;
  let zp = 0;
  let len = 0;
  let left = 0;
  let i = 0;
  let segStart = 0;
  while (segStart < width) {
    const remaining = width - segStart;
    const stepWm = m.wmIdx < WM_MAX && m.wmLeft <= remaining;
    const segEnd = (stepWm ? segStart + m.wmLeft : width) | 0;
    const waitMask = ((1 << m.wmIdx) - 1) | 0;
    const trigger = m.trigger | 0;
    while (i < segEnd) {
      let stop = i + wait;
      if (stop > segEnd) stop = segEnd;
      wait -= stop - i;
      // Pixels before the next update point.
      for (; i < stop; i = (i + 1) | 0) {
        // R
        l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          e = notGr[l]!;
          len = e & 31;
          vR = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
        // G
        l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          e = notGr[l]!;
          len = e & 31;
          vG = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
        // B
        l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          e = notGr[l]!;
          len = e & 31;
          vB = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
        H[corr + i] = vR | (vG << 8) | (vB << 16);
        left =
          ((((vR >>> 1) ^ -(vR & 1)) + (left & 255)) & mask) |
          (((((vG >>> 1) ^ -(vG & 1)) + ((left >> 8) & 255)) & mask) << 8) |
          (((((vB >>> 1) ^ -(vB & 1)) + ((left >> 16) & 255)) & mask) << 16) |
          alphaFill;
        plane[rowOff + i] = left;
        ctxR = vR;
        ctxG = vG;
        ctxB = vB;
      }
      if (i === segEnd) break;
      // The update pixel.
      // R
      l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vR = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      // G
      l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vG = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      // B
      l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vB = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      H[corr + i] = vR | (vG << 8) | (vB << 16);
      left =
        ((((vR >>> 1) ^ -(vR & 1)) + (left & 255)) & mask) |
        (((((vG >>> 1) ^ -(vG & 1)) + ((left >> 8) & 255)) & mask) << 8) |
        (((((vB >>> 1) ^ -(vB & 1)) + ((left >> 16) & 255)) & mask) << 16) |
        alphaFill;
      plane[rowOff + i] = left;
      if (updateModel(m.counters0, m.best0, bucketOf[ctxR]!, vR, fam, trigger)) bcR = packBestCodes(m.best0);
      if (updateModel(m.counters1, m.best1, bucketOf[ctxG]!, vG, fam, trigger)) bcG = packBestCodes(m.best1);
      if (updateModel(m.counters2, m.best2, bucketOf[ctxB]!, vB, fam, trigger)) bcB = packBestCodes(m.best2);
      seed = (seed + 1) & 255;
      wait = TABRAND_CHAOS[seed]! & waitMask;
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
      i++;
    }
    if (stepWm) {
      m.stepWaitMask();
    } else if (m.wmIdx < WM_MAX) {
      m.wmLeft -= segEnd - segStart;
    }
    segStart = segEnd;
  }
  m.bc0 = bcR;
  m.bc1 = bcG;
  m.bc2 = bcB;
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}

/**
 * Decodes row y >= 1 into plane[rowOff .. rowOff + width); the row above is at rowOff - width. Pixel 0 is
 * predicted from above, the others from (left + above) >> 1; a run of the left pixel is decoded where the
 * two pixels above and the two to the left are equal (colour only: alpha lanes are ignored).
 */
export function decodeRgbRow(
  bits: QuicBits,
  m: QuicModel,
  fam: QuicFamily,
  plane: Int32Array,
  rowOff: number,
  width: number,
  alphaFill: number,
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
  const above = rowOff - width;
  let melcState = m.melcState | 0;
  let melcLen = m.melcLen | 0;
  let melcOrder = m.melcOrder | 0;
  let bcR = m.bc0 | 0;
  let bcG = m.bc1 | 0;
  let bcB = m.bc2 | 0;
  let wait = m.wait | 0;
  let seed = m.seed | 0;
  // Context of pixel 0 is the residual of pixel 0 of the previous row.
  let ctx = H[corr]!;
  let ctxR = ctx & 255;
  let ctxG = (ctx >> 8) & 255;
  let ctxB = (ctx >> 16) & 255;
  let vR = 0;
  let vG = 0;
  let vB = 0;
  let l = 0;
  let e = 0;
  let zp = 0;
  let len = 0;
  let up = plane[above]!;
  let upLeft = up;
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
    if (i === 0) {
      // R
      l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vR = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      // G
      l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vG = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      // B
      l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vB = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      H[corr] = vR | (vG << 8) | (vB << 16);
      left =
        ((((vR >>> 1) ^ -(vR & 1)) + (up & 255)) & mask) |
        (((((vG >>> 1) ^ -(vG & 1)) + ((up >> 8) & 255)) & mask) << 8) |
        (((((vB >>> 1) ^ -(vB & 1)) + ((up >> 16) & 255)) & mask) << 16) |
        alphaFill;
      plane[rowOff] = left;
      if (wait === 0) {
        if (updateModel(m.counters0, m.best0, bucketOf[ctxR]!, vR, fam, trigger))
          bcR = packBestCodes(m.best0);
        if (updateModel(m.counters1, m.best1, bucketOf[ctxG]!, vG, fam, trigger))
          bcG = packBestCodes(m.best1);
        if (updateModel(m.counters2, m.best2, bucketOf[ctxB]!, vB, fam, trigger))
          bcB = packBestCodes(m.best2);
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
      i = 1;
    }
    while (i < segEnd) {
      let stop = i + wait;
      if (stop > segEnd) stop = segEnd;
      const first = i;
      // Pixels before the next update point, until a run starts.
      for (; i < stop; i = (i + 1) | 0) {
        up = plane[above + i]!;
        if (
          ((up ^ upLeft) & 0xffffff) === 0 &&
          i > 2 &&
          i !== runIdx &&
          ((left ^ plane[rowOff + i - 2]!) & 0xffffff) === 0
        ) {
          break;
        }
        // R
        l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          e = notGr[l]!;
          len = e & 31;
          vR = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
        // G
        l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          e = notGr[l]!;
          len = e & 31;
          vG = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
        // B
        l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          e = notGr[l]!;
          len = e & 31;
          vB = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
        H[corr + i] = vR | (vG << 8) | (vB << 16);
        left =
          ((((vR >>> 1) ^ -(vR & 1)) + (((left & 255) + (up & 255)) >>> 1)) & mask) |
          (((((vG >>> 1) ^ -(vG & 1)) + ((((left >> 8) & 255) + ((up >> 8) & 255)) >>> 1)) & mask) << 8) |
          (((((vB >>> 1) ^ -(vB & 1)) + ((((left >> 16) & 255) + ((up >> 16) & 255)) >>> 1)) & mask) << 16) |
          alphaFill;
        plane[rowOff + i] = left;
        ctxR = vR;
        ctxG = vG;
        ctxB = vB;
        upLeft = up;
      }
      wait -= i - first;
      if (i === segEnd) break;
      up = plane[above + i]!;
      if (
        ((up ^ upLeft) & 0xffffff) === 0 &&
        i > 2 &&
        i !== runIdx &&
        ((left ^ plane[rowOff + i - 2]!) & 0xffffff) === 0
      ) {
        // A run of the left pixel; its pixels do not count towards the next model update.
        runIdx = i;
        const limit = segEnd - i;
        let run = 0;
        for (;;) {
          // Leading ones are hits of the expected run length; a 0 ends them (taken 24 at a time).
          const ones = Math.clz32(~word);
          let hits = ones > 24 ? 24 : ones;
          for (; hits > 0; hits--) {
            run += melcOrder;
            if (melcState < 31) {
              melcState++;
              melcLen = MELC_LEN[melcState]!;
              melcOrder = 1 << melcLen;
            }
          }
          if (run > limit) throw badRun();
          len = ones > 24 ? 24 : ones + 1;
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
          if (ones <= 24) break;
        }
        if (melcLen !== 0) {
          run += word >>> (32 - melcLen);
          len = melcLen;
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
        }
        if (melcState !== 0) {
          melcState--;
          melcLen = MELC_LEN[melcState]!;
          melcOrder = 1 << melcLen;
        }
        if (run > limit) throw badRun();
        if (run !== 0) {
          const start = rowOff + i;
          if (run < 256) {
            for (let k = 0; k < run; k++) plane[start + k] = left;
          } else {
            plane.fill(left, start, start + run);
          }
          i += run;
          upLeft = plane[above + i - 1]!;
          ctx = H[corr + i - 1]!;
          ctxR = ctx & 255;
          ctxG = (ctx >> 8) & 255;
          ctxB = (ctx >> 16) & 255;
        }
        continue;
      }
      // The update pixel (wait is 0 here).
      // R
      l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vR = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      // G
      l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vG = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      // B
      l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        e = notGr[l]!;
        len = e & 31;
        vB = ((e >> 5) + ((word >>> (32 - len)) & (e >>> 13))) & 255;
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
      H[corr + i] = vR | (vG << 8) | (vB << 16);
      left =
        ((((vR >>> 1) ^ -(vR & 1)) + (((left & 255) + (up & 255)) >>> 1)) & mask) |
        (((((vG >>> 1) ^ -(vG & 1)) + ((((left >> 8) & 255) + ((up >> 8) & 255)) >>> 1)) & mask) << 8) |
        (((((vB >>> 1) ^ -(vB & 1)) + ((((left >> 16) & 255) + ((up >> 16) & 255)) >>> 1)) & mask) << 16) |
        alphaFill;
      plane[rowOff + i] = left;
      if (updateModel(m.counters0, m.best0, bucketOf[ctxR]!, vR, fam, trigger)) bcR = packBestCodes(m.best0);
      if (updateModel(m.counters1, m.best1, bucketOf[ctxG]!, vG, fam, trigger)) bcG = packBestCodes(m.best1);
      if (updateModel(m.counters2, m.best2, bucketOf[ctxB]!, vB, fam, trigger)) bcB = packBestCodes(m.best2);
      seed = (seed + 1) & 255;
      wait = TABRAND_CHAOS[seed]! & waitMask;
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
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
  m.bc0 = bcR;
  m.bc1 = bcG;
  m.bc2 = bcB;
  m.melcState = melcState;
  m.melcLen = melcLen;
  m.melcOrder = melcOrder;
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}

/** decodeRgbRow0 for RGB32 / RGB24 (fam must be FAMILY_8BPC). Decodes row 0 (left prediction only, no runs) into plane[rowOff .. rowOff + width). */
export function decodeRgb32Row0(
  bits: QuicBits,
  m: QuicModel,
  fam: QuicFamily,
  plane: Int32Array,
  rowOff: number,
  width: number,
  _alphaFill: number,
): void {
  const H = bits.heap;
  let word = bits.word | 0;
  let nxt = bits.next | 0;
  let avail = bits.avail | 0;
  let pos = bits.pos | 0;
  const corr = m.corr | 0;
  // FAMILY_8BPC's constants and opaque alpha, written in.
  const cap = 18;
  const levels = 256;
  const alphaFill = -0x1000000;
  let bcR = m.bc0 | 0;
  let bcG = m.bc1 | 0;
  let bcB = m.bc2 | 0;
  let wait = m.wait | 0;
  let seed = m.seed | 0;
  let ctxR = 0;
  let ctxG = 0;
  let ctxB = 0;
  let vR = 0;
  let vG = 0;
  let vB = 0;
  let l = 0;
  let e = 0;
  let zp = 0;
  let d = 0;
  let len = 0;
  let left = 0;
  let i = 0;
  let segStart = 0;
  while (segStart < width) {
    const remaining = width - segStart;
    const stepWm = m.wmIdx < WM_MAX && m.wmLeft <= remaining;
    const segEnd = (stepWm ? segStart + m.wmLeft : width) | 0;
    const waitMask = ((1 << m.wmIdx) - 1) | 0;
    const trigger = m.trigger | 0;
    while (i < segEnd) {
      let stop = i + wait;
      if (stop > segEnd) stop = segEnd;
      wait -= stop - i;
      // Pixels before the next update point.
      for (; i < stop; i = (i + 1) | 0) {
        // R
        l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vR = (word >>> -len) + ((zp - 1) << l);
        } else {
          e = (256 >> l) - 1;
          if (e > 18) e = 18;
          len = e + 32 - Math.clz32(255 - (e << l));
          vR = ((e << l) + (word >>> -len)) & 255;
        }
        word <<= len;
        avail = (avail - len) | 0;
        if (avail >= 0) {
          word |= nxt >>> avail;
        } else {
          avail = (avail + 32) | 0;
          word |= nxt << -avail;
          nxt = H[pos]!;
          pos = (pos + 1) | 0;
          word |= nxt >>> avail;
        }
        // G
        l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vG = (word >>> -len) + ((zp - 1) << l);
        } else {
          e = (256 >> l) - 1;
          if (e > 18) e = 18;
          len = e + 32 - Math.clz32(255 - (e << l));
          vG = ((e << l) + (word >>> -len)) & 255;
        }
        word <<= len;
        avail = (avail - len) | 0;
        if (avail >= 0) {
          word |= nxt >>> avail;
        } else {
          avail = (avail + 32) | 0;
          word |= nxt << -avail;
          nxt = H[pos]!;
          pos = (pos + 1) | 0;
          word |= nxt >>> avail;
        }
        // B
        l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vB = (word >>> -len) + ((zp - 1) << l);
        } else {
          e = (256 >> l) - 1;
          if (e > 18) e = 18;
          len = e + 32 - Math.clz32(255 - (e << l));
          vB = ((e << l) + (word >>> -len)) & 255;
        }
        word <<= len;
        avail = (avail - len) | 0;
        if (avail >= 0) {
          word |= nxt >>> avail;
        } else {
          avail = (avail + 32) | 0;
          word |= nxt << -avail;
          nxt = H[pos]!;
          pos = (pos + 1) | 0;
          word |= nxt >>> avail;
        }
        d = vR | (vG << 8) | (vB << 16);
        H[corr + i] = d;
        d = ((d >>> 1) & 0x7f7f7f) ^ Math.imul(d & 0x010101, 255);
        left = (((left & 0x7f7f7f) + (d & 0x7f7f7f)) ^ ((left ^ d) & 0x808080)) | alphaFill;
        plane[rowOff + i] = left;
        ctxR = vR;
        ctxG = vG;
        ctxB = vB;
      }
      if (i === segEnd) break;
      // The update pixel.
      // R
      l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vR = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      // G
      l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vG = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      // B
      l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vB = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      d = vR | (vG << 8) | (vB << 16);
      H[corr + i] = d;
      d = ((d >>> 1) & 0x7f7f7f) ^ Math.imul(d & 0x010101, 255);
      left = (((left & 0x7f7f7f) + (d & 0x7f7f7f)) ^ ((left ^ d) & 0x808080)) | alphaFill;
      plane[rowOff + i] = left;
      if (updatePixel8(m, ctxR | (ctxG << 8) | (ctxB << 16), vR | (vG << 8) | (vB << 16), trigger)) {
        bcR = m.bc0 | 0;
        bcG = m.bc1 | 0;
        bcB = m.bc2 | 0;
      }
      seed = (seed + 1) & 255;
      wait = TABRAND_CHAOS[seed]! & waitMask;
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
      i++;
    }
    if (stepWm) {
      m.stepWaitMask();
    } else if (m.wmIdx < WM_MAX) {
      m.wmLeft -= segEnd - segStart;
    }
    segStart = segEnd;
  }
  m.bc0 = bcR;
  m.bc1 = bcG;
  m.bc2 = bcB;
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}

/**
 * decodeRgbRow for RGB32 / RGB24 (fam must be FAMILY_8BPC).
 * Decodes row y >= 1 into plane[rowOff .. rowOff + width); the row above is at rowOff - width. Pixel 0 is
 * predicted from above, the others from (left + above) >> 1; a run of the left pixel is decoded where the
 * two pixels above and the two to the left are equal (colour only: alpha lanes are ignored).
 */
export function decodeRgb32Row(
  bits: QuicBits,
  m: QuicModel,
  fam: QuicFamily,
  plane: Int32Array,
  rowOff: number,
  width: number,
  _alphaFill: number,
): void {
  const H = bits.heap;
  let word = bits.word | 0;
  let nxt = bits.next | 0;
  let avail = bits.avail | 0;
  let pos = bits.pos | 0;
  const corr = m.corr | 0;
  // FAMILY_8BPC's constants and opaque alpha, written in.
  const cap = 18;
  const levels = 256;
  const alphaFill = -0x1000000;
  const above = rowOff - width;
  let melcState = m.melcState | 0;
  let melcLen = m.melcLen | 0;
  let melcOrder = m.melcOrder | 0;
  let bcR = m.bc0 | 0;
  let bcG = m.bc1 | 0;
  let bcB = m.bc2 | 0;
  let wait = m.wait | 0;
  let seed = m.seed | 0;
  // Context of pixel 0 is the residual of pixel 0 of the previous row.
  let ctx = H[corr]!;
  let ctxR = ctx & 255;
  let ctxG = (ctx >> 8) & 255;
  let ctxB = (ctx >> 16) & 255;
  let vR = 0;
  let vG = 0;
  let vB = 0;
  let l = 0;
  let e = 0;
  let zp = 0;
  let d = 0;
  let len = 0;
  let up = plane[above]!;
  let upLeft = up;
  let left = 0;
  // The pixel before `left` (cur[i - 2] while decoding pixel i), kept so that the run test is one
  // branch on registers: in text images up == upLeft holds for a third of the pixels, left == left2 for
  // only a quarter of those.
  let left2 = 0;
  let p = 0;
  let runIdx = -1;
  let i = 0;
  let segStart = 0;
  while (segStart < width) {
    const remaining = width - segStart;
    const stepWm = m.wmIdx < WM_MAX && m.wmLeft <= remaining;
    const segEnd = (stepWm ? segStart + m.wmLeft : width) | 0;
    const waitMask = ((1 << m.wmIdx) - 1) | 0;
    const trigger = m.trigger | 0;
    if (i === 0) {
      // R
      l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vR = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      // G
      l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vG = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      // B
      l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vB = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      d = vR | (vG << 8) | (vB << 16);
      H[corr] = d;
      d = ((d >>> 1) & 0x7f7f7f) ^ Math.imul(d & 0x010101, 255);
      left2 = left;
      left = (((up & 0x7f7f7f) + (d & 0x7f7f7f)) ^ ((up ^ d) & 0x808080)) | alphaFill;
      plane[rowOff] = left;
      if (wait === 0) {
        if (updatePixel8(m, ctxR | (ctxG << 8) | (ctxB << 16), vR | (vG << 8) | (vB << 16), trigger)) {
          bcR = m.bc0 | 0;
          bcG = m.bc1 | 0;
          bcB = m.bc2 | 0;
        }
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
      i = 1;
    }
    while (i < segEnd) {
      let stop = i + wait;
      if (stop > segEnd) stop = segEnd;
      const first = i;
      // Pixels before the next update point, until a run starts.
      for (; i < stop; i = (i + 1) | 0) {
        up = plane[above + i]!;
        if ((((up ^ upLeft) | (left ^ left2)) & 0xffffff) === 0 && i > 2 && i !== runIdx) {
          break;
        }
        // R
        l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vR = (word >>> -len) + ((zp - 1) << l);
        } else {
          e = (256 >> l) - 1;
          if (e > 18) e = 18;
          len = e + 32 - Math.clz32(255 - (e << l));
          vR = ((e << l) + (word >>> -len)) & 255;
        }
        word <<= len;
        avail = (avail - len) | 0;
        if (avail >= 0) {
          word |= nxt >>> avail;
        } else {
          avail = (avail + 32) | 0;
          word |= nxt << -avail;
          nxt = H[pos]!;
          pos = (pos + 1) | 0;
          word |= nxt >>> avail;
        }
        // G
        l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vG = (word >>> -len) + ((zp - 1) << l);
        } else {
          e = (256 >> l) - 1;
          if (e > 18) e = 18;
          len = e + 32 - Math.clz32(255 - (e << l));
          vG = ((e << l) + (word >>> -len)) & 255;
        }
        word <<= len;
        avail = (avail - len) | 0;
        if (avail >= 0) {
          word |= nxt >>> avail;
        } else {
          avail = (avail + 32) | 0;
          word |= nxt << -avail;
          nxt = H[pos]!;
          pos = (pos + 1) | 0;
          word |= nxt >>> avail;
        }
        // B
        l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vB = (word >>> -len) + ((zp - 1) << l);
        } else {
          e = (256 >> l) - 1;
          if (e > 18) e = 18;
          len = e + 32 - Math.clz32(255 - (e << l));
          vB = ((e << l) + (word >>> -len)) & 255;
        }
        word <<= len;
        avail = (avail - len) | 0;
        if (avail >= 0) {
          word |= nxt >>> avail;
        } else {
          avail = (avail + 32) | 0;
          word |= nxt << -avail;
          nxt = H[pos]!;
          pos = (pos + 1) | 0;
          word |= nxt >>> avail;
        }
        d = vR | (vG << 8) | (vB << 16);
        H[corr + i] = d;
        d = ((d >>> 1) & 0x7f7f7f) ^ Math.imul(d & 0x010101, 255);
        p = (left & up & 0xffffff) + (((left ^ up) & 0xfefefe) >>> 1);
        left2 = left;
        left = (((p & 0x7f7f7f) + (d & 0x7f7f7f)) ^ ((p ^ d) & 0x808080)) | alphaFill;
        plane[rowOff + i] = left;
        ctxR = vR;
        ctxG = vG;
        ctxB = vB;
        upLeft = up;
      }
      wait -= i - first;
      if (i === segEnd) break;
      // The inner loop stops early only where a run starts; at `stop` the run test is still to do.
      if (i === stop) up = plane[above + i]!;
      if (i < stop || ((((up ^ upLeft) | (left ^ left2)) & 0xffffff) === 0 && i > 2 && i !== runIdx)) {
        // A run of the left pixel; its pixels do not count towards the next model update.
        runIdx = i;
        const limit = segEnd - i;
        let run = 0;
        for (;;) {
          // Leading ones are hits of the expected run length; a 0 ends them (taken 24 at a time).
          const ones = Math.clz32(~word);
          let hits = ones > 24 ? 24 : ones;
          for (; hits > 0; hits--) {
            run += melcOrder;
            if (melcState < 31) {
              melcState++;
              melcLen = MELC_LEN[melcState]!;
              melcOrder = 1 << melcLen;
            }
          }
          if (run > limit) throw badRun();
          len = ones > 24 ? 24 : ones + 1;
          word <<= len;
          avail = (avail - len) | 0;
          if (avail >= 0) {
            word |= nxt >>> avail;
          } else {
            avail = (avail + 32) | 0;
            word |= nxt << -avail;
            nxt = H[pos]!;
            pos = (pos + 1) | 0;
            word |= nxt >>> avail;
          }
          if (ones <= 24) break;
        }
        if (melcLen !== 0) {
          run += word >>> (32 - melcLen);
          len = melcLen;
          word <<= len;
          avail = (avail - len) | 0;
          if (avail >= 0) {
            word |= nxt >>> avail;
          } else {
            avail = (avail + 32) | 0;
            word |= nxt << -avail;
            nxt = H[pos]!;
            pos = (pos + 1) | 0;
            word |= nxt >>> avail;
          }
        }
        if (melcState !== 0) {
          melcState--;
          melcLen = MELC_LEN[melcState]!;
          melcOrder = 1 << melcLen;
        }
        if (run > limit) throw badRun();
        if (run !== 0) {
          let k = (rowOff + i) | 0;
          const end = (k + run) | 0;
          // TypedArray.fill costs ~60 ns a call and 0.15 ns a pixel, this loop ~0.5 ns a pixel.
          if (run < 96) {
            for (; k < end - 3; k = (k + 4) | 0) {
              plane[k] = left;
              plane[k + 1] = left;
              plane[k + 2] = left;
              plane[k + 3] = left;
            }
            for (; k < end; k = (k + 1) | 0) plane[k] = left;
          } else {
            plane.fill(left, k, end);
          }
          i += run;
          left2 = left; // cur[i - 2] is a run pixel, or the run's left neighbour: both equal left
          upLeft = plane[above + i - 1]!;
          ctx = H[corr + i - 1]!;
          ctxR = ctx & 255;
          ctxG = (ctx >> 8) & 255;
          ctxB = (ctx >> 16) & 255;
        }
        continue;
      }
      // The update pixel (wait is 0 here).
      // R
      l = (bcR >>> (3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vR = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      // G
      l = (bcG >>> (3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vG = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      // B
      l = (bcB >>> (3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (word >>> -len) + ((zp - 1) << l);
      } else {
        e = (256 >> l) - 1;
        if (e > 18) e = 18;
        len = e + 32 - Math.clz32(255 - (e << l));
        vB = ((e << l) + (word >>> -len)) & 255;
      }
      word <<= len;
      avail = (avail - len) | 0;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        avail = (avail + 32) | 0;
        word |= nxt << -avail;
        nxt = H[pos]!;
        pos = (pos + 1) | 0;
        word |= nxt >>> avail;
      }
      d = vR | (vG << 8) | (vB << 16);
      H[corr + i] = d;
      d = ((d >>> 1) & 0x7f7f7f) ^ Math.imul(d & 0x010101, 255);
      p = (left & up & 0xffffff) + (((left ^ up) & 0xfefefe) >>> 1);
      left2 = left;
      left = (((p & 0x7f7f7f) + (d & 0x7f7f7f)) ^ ((p ^ d) & 0x808080)) | alphaFill;
      plane[rowOff + i] = left;
      if (updatePixel8(m, ctxR | (ctxG << 8) | (ctxB << 16), vR | (vG << 8) | (vB << 16), trigger)) {
        bcR = m.bc0 | 0;
        bcG = m.bc1 | 0;
        bcB = m.bc2 | 0;
      }
      seed = (seed + 1) & 255;
      wait = TABRAND_CHAOS[seed]! & waitMask;
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
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
  m.bc0 = bcR;
  m.bc1 = bcG;
  m.bc2 = bcB;
  m.melcState = melcState;
  m.melcLen = melcLen;
  m.melcOrder = melcOrder;
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}
