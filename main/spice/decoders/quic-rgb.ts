// QUIC row decoders for the three-channel (R, G, B) image types: RGB32/RGB24 and the colour part of RGBA
// at 8 bits per channel, RGB16 at 5 bits. Pixels are packed little-endian words r | g << 8 | b << 16 |
// alphaFill in an Int32Array plane (the RGBA output viewed as words). Follows spice-common quic_tmpl.c's
// row / segment / run logic, restructured for speed:
// - the inner loops decode the pixels between two model updates with no calls inside (updates and runs
//   are handled between inner loops);
// - the bit window, contexts, neighbours and each channel's best code per bucket (packed 3 bits per
//   bucket into one integer, see packBestCodes) live in locals, so a symbol costs no table lookup;
// - the three channels are decoded inline (written out three times on purpose: no per-symbol calls).
// Typed-array accesses are what V8 pays most for, so a pixel touches only the row above, its own output
// word and its correlation word (plus one input word every 32 bits).

import { packBestCodes as packBestCodes_, updateModel as updateModel_ } from './quic-state';
import type { QuicBits, QuicModel } from './quic-state';
import type { QuicFamily } from './quic-tables';
import { TABRAND_CHAOS as TABRAND_CHAOS_, WM_MAX as WM_MAX_ } from './quic-tables';

// Module-local copies of imported bindings: hot code must not go through live-binding getters (which is
// what a CommonJS transpilation, e.g. tsx in tests and benchmarks, turns imported names into).
const updateModel = updateModel_;
const packBestCodes = packBestCodes_;
const TABRAND_CHAOS = TABRAND_CHAOS_;
const WM_MAX = WM_MAX_;

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
  let word = bits.word;
  let nxt = bits.next;
  let avail = bits.avail;
  let pos = bits.pos;
  const corr = m.corr;
  const bucketOf = fam.bucketOf;
  const nGr = fam.nGrCodewords;
  const ngLen = fam.notGrCodeLen;
  const ngMask = fam.notGrSuffixMask;
  const cap = fam.grPrefixLimit[0]!;
  const mask = fam.mask;
  const levels = mask + 1;
  let bcR = m.bc0;
  let bcG = m.bc1;
  let bcB = m.bc2;
  let wait = m.wait;
  let seed = m.seed;
  let ctxR = 0;
  let ctxG = 0;
  let ctxB = 0;
  let vR = 0;
  let vG = 0;
  let vB = 0;
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
    while (i < segEnd) {
      let stop = i + wait;
      if (stop > segEnd) stop = segEnd;
      wait -= stop - i;
      // Pixels before the next update point.
      for (; i < stop; i = (i + 1) | 0) {
        // R
        l = (bcR >>> (93 - 3 * Math.clz32(ctxR + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          len = ngLen[l]!;
          vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
        l = (bcG >>> (93 - 3 * Math.clz32(ctxG + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          len = ngLen[l]!;
          vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
        l = (bcB >>> (93 - 3 * Math.clz32(ctxB + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          len = ngLen[l]!;
          vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
      l = (bcR >>> (93 - 3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
      l = (bcG >>> (93 - 3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
      l = (bcB >>> (93 - 3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
  let word = bits.word;
  let nxt = bits.next;
  let avail = bits.avail;
  let pos = bits.pos;
  const corr = m.corr;
  const bucketOf = fam.bucketOf;
  const nGr = fam.nGrCodewords;
  const ngLen = fam.notGrCodeLen;
  const ngMask = fam.notGrSuffixMask;
  const cap = fam.grPrefixLimit[0]!;
  const mask = fam.mask;
  const levels = mask + 1;
  const above = rowOff - width;
  let bcR = m.bc0;
  let bcG = m.bc1;
  let bcB = m.bc2;
  let wait = m.wait;
  let seed = m.seed;
  // Context of pixel 0 is the residual of pixel 0 of the previous row.
  let ctx = H[corr]!;
  let ctxR = ctx & 255;
  let ctxG = (ctx >> 8) & 255;
  let ctxB = (ctx >> 16) & 255;
  let vR = 0;
  let vG = 0;
  let vB = 0;
  let l = 0;
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
    const segEnd = stepWm ? segStart + m.wmLeft : width;
    const waitMask = (1 << m.wmIdx) - 1;
    const trigger = m.trigger;
    if (i === 0) {
      // R
      l = (bcR >>> (93 - 3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
      l = (bcG >>> (93 - 3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
      l = (bcB >>> (93 - 3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
        l = (bcR >>> (93 - 3 * Math.clz32(ctxR + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          len = ngLen[l]!;
          vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
        l = (bcG >>> (93 - 3 * Math.clz32(ctxG + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          len = ngLen[l]!;
          vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
        l = (bcB >>> (93 - 3 * Math.clz32(ctxB + 1))) & 7;
        zp = Math.clz32(word);
        if (zp < cap && (zp + 1) << l < levels) {
          len = zp + 1 + l;
          vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
        } else {
          len = ngLen[l]!;
          vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
          const start = rowOff + i;
          if (run < 16) {
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
      l = (bcR >>> (93 - 3 * Math.clz32(ctxR + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
      l = (bcG >>> (93 - 3 * Math.clz32(ctxG + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
      l = (bcB >>> (93 - 3 * Math.clz32(ctxB + 1))) & 7;
      zp = Math.clz32(word);
      if (zp < cap && (zp + 1) << l < levels) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
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
  m.wait = wait;
  m.seed = seed;
  bits.word = word;
  bits.next = nxt;
  bits.avail = avail;
  bits.pos = pos;
}
