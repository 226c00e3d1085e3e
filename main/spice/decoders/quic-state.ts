// Mutable per-decode state of the QUIC decoder: the bit reader (a 32-bit window over little-endian words,
// exactly as spice-common's decode_eatbits keeps it) and the adaptive model of one channel group (shared
// wait counter, random seed, wait-mask progression, run-length coder state, per-channel buckets and
// correlation rows). Created fresh for every image; nothing here is shared between calls.

import { ProtocolError } from '../errors';
import type { QuicFamily } from './quic-tables';
import { MELC_LEN, WM_NEXT, WM_TRIGGER } from './quic-tables';

export function quicOverrun(): ProtocolError {
  return new ProtocolError('QUIC: compressed data ends before the image is complete');
}

/**
 * Bit reader. `word` always holds the next 32 bits of the stream; `next` is the input word that supplied
 * its last bits and `avail` how many low bits of `next` are not yet in `word`. A refill that needs a word
 * beyond the input is an error (spice-common's more_space returns no words there): the reader never
 * reads past the end and never invents bits.
 */
export class QuicBits {
  word = 0;
  next = 0;
  avail = 0;
  pos = 0;
  constructor(
    readonly words: Int32Array,
    readonly nWords: number,
    start: number,
  ) {
    // Mirrors the state after the header words were consumed: the window is word `start`, whole.
    if (start >= nWords) throw quicOverrun();
    this.word = words[start]!;
    this.next = this.word;
    this.pos = start + 1;
  }

  /** Consumes `len` bits (1..31). */
  eat(len: number): void {
    let word = this.word << len;
    let avail = this.avail - len;
    if (avail >= 0) {
      word |= this.next >>> avail;
    } else {
      word |= this.next << -avail;
      if (this.pos >= this.nWords) throw quicOverrun();
      const next = this.words[this.pos++]!;
      avail += 32;
      word |= next >>> avail;
      this.next = next;
    }
    this.word = word;
    this.avail = avail;
  }
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_U8 = new Uint8Array(0);

/** Adaptive model + shared state of a group of channels (RGB share one; alpha and gray have their own). */
export class QuicModel {
  /** Coded pixels still to skip before the next model update. */
  wait = 0;
  seed = 0xff;
  wmIdx = 0;
  wmLeft = WM_NEXT;
  trigger: number = WM_TRIGGER[0]!;
  melcState = 0;
  melcLen = 0;
  melcOrder = 1;
  readonly counters0: Int32Array;
  readonly counters1: Int32Array;
  readonly counters2: Int32Array;
  readonly best0: Uint8Array;
  readonly best1: Uint8Array;
  readonly best2: Uint8Array;
  /** Last decoded residual at each x, per channel (run pixels leave stale values, as in spice-common). */
  readonly corr0: Uint8Array;
  readonly corr1: Uint8Array;
  readonly corr2: Uint8Array;

  constructor(family: QuicFamily, channels: 1 | 3, width: number) {
    const nb = family.nBuckets;
    const mk = (): Uint8Array => new Uint8Array(nb).fill(family.bpc - 1);
    this.counters0 = new Int32Array(nb * 8);
    this.best0 = mk();
    this.corr0 = new Uint8Array(width);
    if (channels === 3) {
      this.counters1 = new Int32Array(nb * 8);
      this.counters2 = new Int32Array(nb * 8);
      this.best1 = mk();
      this.best2 = mk();
      this.corr1 = new Uint8Array(width);
      this.corr2 = new Uint8Array(width);
    } else {
      this.counters1 = EMPTY_I32;
      this.counters2 = EMPTY_I32;
      this.best1 = EMPTY_U8;
      this.best2 = EMPTY_U8;
      this.corr1 = EMPTY_U8;
      this.corr2 = EMPTY_U8;
    }
  }

  /** Moves to the next wait-mask index (called every WM_NEXT pixels until WM_MAX). */
  stepWaitMask(): void {
    this.wmIdx++;
    this.trigger = WM_TRIGGER[this.wmIdx > 10 ? 10 : this.wmIdx]!;
    this.wmLeft = WM_NEXT;
  }

  /**
   * Decodes a run length with the adaptive "melcode" (unary hits of the expected run, then a melcLen-bit
   * remainder). `limit` is the most pixels the run may cover (the end of the current segment).
   */
  readRun(bits: QuicBits, limit: number): number {
    let run = 0;
    for (;;) {
      const ones = Math.clz32(~bits.word);
      const hits = ones > 24 ? 24 : ones;
      for (let k = 0; k < hits; k++) {
        run += this.melcOrder;
        if (this.melcState < 31) {
          this.melcLen = MELC_LEN[++this.melcState]!;
          this.melcOrder = 1 << this.melcLen;
        }
      }
      if (run > limit) throw badRun();
      if (ones > 24) {
        bits.eat(24);
      } else {
        bits.eat(hits + 1);
        break;
      }
    }
    if (this.melcLen !== 0) {
      run += bits.word >>> (32 - this.melcLen);
      bits.eat(this.melcLen);
    }
    if (this.melcState !== 0) {
      this.melcLen = MELC_LEN[--this.melcState]!;
      this.melcOrder = 1 << this.melcLen;
    }
    if (run > limit) throw badRun();
    return run;
  }
}

function badRun(): ProtocolError {
  return new ProtocolError('QUIC: run length exceeds the row');
}

/**
 * Adds the code lengths of value `v` to the bucket's counters, picks the cheapest code as the bucket's new
 * best code (ties keep the higher code number) and halves the counters once the best exceeds `trigger`.
 */
export function updateModel(
  counters: Int32Array,
  best: Uint8Array,
  bucket: number,
  v: number,
  codeLen: Uint8Array,
  bpc: number,
  trigger: number,
): void {
  const base = bucket << 3;
  const lenBase = v << 3;
  let bestCode = bpc - 1;
  let bestLen = (counters[base + bestCode]! += codeLen[lenBase + bestCode]!);
  for (let k = bpc - 2; k >= 0; k--) {
    const c = (counters[base + k]! += codeLen[lenBase + k]!);
    if (c < bestLen) {
      bestLen = c;
      bestCode = k;
    }
  }
  best[bucket] = bestCode;
  if (bestLen > trigger) {
    for (let k = 0; k < bpc; k++) counters[base + k]! >>>= 1;
  }
}
