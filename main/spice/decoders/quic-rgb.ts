// QUIC row decoders for the three-channel (R, G, B) image types: RGB32/RGB24 and the colour part of RGBA
// at 8 bits per channel, RGB16 at 5 bits. Pixels are packed little-endian words r | g << 8 | b << 16 |
// alphaFill in an Int32Array plane (the RGBA output viewed as words). The hot loop keeps the bit
// window, contexts and neighbours in locals and decodes the three channels inline (written out three
// times on purpose: no per-symbol calls), following spice-common quic_tmpl.c's row/segment/run logic.

import { quicOverrun, updateModel } from './quic-state';
import type { QuicBits, QuicModel } from './quic-state';
import type { QuicFamily } from './quic-tables';
import { TABRAND_CHAOS, WM_MAX } from './quic-tables';

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
  const words = bits.words;
  const nWords = bits.nWords;
  let word = bits.word;
  let nxt = bits.next;
  let avail = bits.avail;
  let pos = bits.pos;
  const bucketOf = fam.bucketOf;
  const prefLim = fam.grPrefixLimit;
  const nGr = fam.nGrCodewords;
  const ngLen = fam.notGrCodeLen;
  const ngMask = fam.notGrSuffixMask;
  const codeLen = fam.codeLen;
  const bpc = fam.bpc;
  const mask = fam.mask;
  const bestR = m.best0;
  const bestG = m.best1;
  const bestB = m.best2;
  const corrR = m.corr0;
  const corrG = m.corr1;
  const corrB = m.corr2;
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
    for (; i < segEnd; i++) {
      // R
      l = bestR[bucketOf[ctxR]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      // G
      l = bestG[bucketOf[ctxG]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      // B
      l = bestB[bucketOf[ctxB]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      corrR[i] = vR;
      corrG[i] = vG;
      corrB[i] = vB;
      left =
        ((((vR >>> 1) ^ -(vR & 1)) + (left & 255)) & mask) |
        (((((vG >>> 1) ^ -(vG & 1)) + ((left >> 8) & 255)) & mask) << 8) |
        (((((vB >>> 1) ^ -(vB & 1)) + ((left >> 16) & 255)) & mask) << 16) |
        alphaFill;
      plane[rowOff + i] = left;
      if (wait === 0) {
        updateModel(m.counters0, bestR, bucketOf[ctxR]!, vR, codeLen, bpc, trigger);
        updateModel(m.counters1, bestG, bucketOf[ctxG]!, vG, codeLen, bpc, trigger);
        updateModel(m.counters2, bestB, bucketOf[ctxB]!, vB, codeLen, bpc, trigger);
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
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
  const words = bits.words;
  const nWords = bits.nWords;
  let word = bits.word;
  let nxt = bits.next;
  let avail = bits.avail;
  let pos = bits.pos;
  const bucketOf = fam.bucketOf;
  const prefLim = fam.grPrefixLimit;
  const nGr = fam.nGrCodewords;
  const ngLen = fam.notGrCodeLen;
  const ngMask = fam.notGrSuffixMask;
  const codeLen = fam.codeLen;
  const bpc = fam.bpc;
  const mask = fam.mask;
  const bestR = m.best0;
  const bestG = m.best1;
  const bestB = m.best2;
  const corrR = m.corr0;
  const corrG = m.corr1;
  const corrB = m.corr2;
  const above = rowOff - width;
  let wait = m.wait;
  let seed = m.seed;
  // Context of pixel 0 is the residual of pixel 0 of the previous row.
  let ctxR = corrR[0]!;
  let ctxG = corrG[0]!;
  let ctxB = corrB[0]!;
  let vR = 0;
  let vG = 0;
  let vB = 0;
  let l = 0;
  let zp = 0;
  let len = 0;
  let up = plane[above]!;
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
      // R
      l = bestR[bucketOf[ctxR]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      // G
      l = bestG[bucketOf[ctxG]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      // B
      l = bestB[bucketOf[ctxB]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      corrR[0] = vR;
      corrG[0] = vG;
      corrB[0] = vB;
      left =
        ((((vR >>> 1) ^ -(vR & 1)) + (up & 255)) & mask) |
        (((((vG >>> 1) ^ -(vG & 1)) + ((up >> 8) & 255)) & mask) << 8) |
        (((((vB >>> 1) ^ -(vB & 1)) + ((up >> 16) & 255)) & mask) << 16) |
        alphaFill;
      plane[rowOff] = left;
      left2 = left;
      if (wait === 0) {
        updateModel(m.counters0, bestR, bucketOf[ctxR]!, vR, codeLen, bpc, trigger);
        updateModel(m.counters1, bestG, bucketOf[ctxG]!, vG, codeLen, bpc, trigger);
        updateModel(m.counters2, bestB, bucketOf[ctxB]!, vB, codeLen, bpc, trigger);
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
      up = plane[above + i]!;
      if (((up ^ upLeft) & 0xffffff) === 0 && ((left ^ left2) & 0xffffff) === 0 && i > 2 && i !== runIdx) {
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
          left2 = left;
          upLeft = plane[above + i - 1]!;
          ctxR = corrR[i - 1]!;
          ctxG = corrG[i - 1]!;
          ctxB = corrB[i - 1]!;
        }
        continue;
      }
      // R
      l = bestR[bucketOf[ctxR]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vR = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vR = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      // G
      l = bestG[bucketOf[ctxG]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vG = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vG = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      // B
      l = bestB[bucketOf[ctxB]!]!;
      zp = Math.clz32(word);
      if (zp < prefLim[l]!) {
        len = zp + 1 + l;
        vB = (zp << l) | ((word >>> (32 - len)) & ((1 << l) - 1));
      } else {
        len = ngLen[l]!;
        vB = (nGr[l]! + ((word >>> (32 - len)) & ngMask[l]!)) & 255;
      }
      word <<= len;
      avail -= len;
      if (avail >= 0) {
        word |= nxt >>> avail;
      } else {
        word |= nxt << -avail;
        if (pos >= nWords) throw quicOverrun();
        nxt = words[pos++]!;
        avail += 32;
        word |= nxt >>> avail;
      }
      corrR[i] = vR;
      corrG[i] = vG;
      corrB[i] = vB;
      const cur =
        ((((vR >>> 1) ^ -(vR & 1)) + (((left & 255) + (up & 255)) >>> 1)) & mask) |
        (((((vG >>> 1) ^ -(vG & 1)) + ((((left >> 8) & 255) + ((up >> 8) & 255)) >>> 1)) & mask) << 8) |
        (((((vB >>> 1) ^ -(vB & 1)) + ((((left >> 16) & 255) + ((up >> 16) & 255)) >>> 1)) & mask) << 16) |
        alphaFill;
      plane[rowOff + i] = cur;
      if (wait === 0) {
        updateModel(m.counters0, bestR, bucketOf[ctxR]!, vR, codeLen, bpc, trigger);
        updateModel(m.counters1, bestG, bucketOf[ctxG]!, vG, codeLen, bpc, trigger);
        updateModel(m.counters2, bestB, bucketOf[ctxB]!, vB, codeLen, bpc, trigger);
        seed = (seed + 1) & 255;
        wait = TABRAND_CHAOS[seed]! & waitMask;
      } else {
        wait--;
      }
      ctxR = vR;
      ctxG = vG;
      ctxB = vB;
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
