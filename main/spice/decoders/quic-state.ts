// Mutable per-decode state of the QUIC decoder: the bit reader (a 32-bit window over little-endian words,
// kept exactly as spice-common's decode_eatbits keeps it) and the adaptive model of one channel group
// (shared wait counter, random seed, wait-mask progression, run-length coder state, per-channel bucket
// counters and best codes). Created fresh for every image; nothing here is shared between calls.

import { ProtocolError } from '../errors';
import type { QuicFamily } from './quic-tables';
import { FAMILY_8BPC, MELC_LEN as MELC_LEN_, WM_NEXT, WM_TRIGGER as WM_TRIGGER_ } from './quic-tables';

// Module-local copies of imported tables (no live-binding getters on hot paths under CommonJS transpilation).
const MELC_LEN = MELC_LEN_;
const WM_TRIGGER = WM_TRIGGER_;
const CODE_LEN_8 = FAMILY_8BPC.codeLen;

export function quicOverrun(): ProtocolError {
  return new ProtocolError('QUIC: compressed data ends before the image is complete');
}

/**
 * Bit reader over `heap`, an Int32Array that holds the decoders' correlation rows first and then, from
 * `base`, a zero-padded copy of the input words. `word` always holds the next 32 bits of the stream;
 * `next` is the input word that supplied its last bits and `avail` how many low bits of `next` are not yet
 * in `word`; `pos` is the heap index of the next word to load. The hot loops load words without a bounds
 * test; the drivers call check() after every row, which fails exactly when spice-common's reader would
 * have failed: when it needed a word beyond the input (more_space has no more words there).
 */
export class QuicBits {
  word = 0;
  next = 0;
  avail = 0;
  pos = 0;
  constructor(
    readonly heap: Int32Array,
    readonly base: number,
    readonly nWords: number,
    start: number,
  ) {
    // Mirrors the state after the header words were consumed: the window is word `start`, whole.
    if (start >= nWords) throw quicOverrun();
    this.word = heap[base + start]!;
    this.next = this.word;
    this.pos = base + start + 1;
  }

  /** Consumes `len` bits (1..31). */
  eat(len: number): void {
    let word = this.word << len;
    let avail = this.avail - len;
    if (avail >= 0) {
      word |= this.next >>> avail;
    } else {
      avail += 32;
      word |= this.next << (32 - avail);
      const next = this.heap[this.pos++]!;
      word |= next >>> avail;
      this.next = next;
    }
    this.word = word;
    this.avail = avail;
  }

  /** Throws if the reader ever needed a word beyond the input. */
  check(): void {
    if (this.pos - this.base > this.nWords) throw quicOverrun();
  }
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_U8 = new Uint8Array(0);

/**
 * Packs a channel's best code per bucket for the hot loops: 3 bits per slot b = 0..8, where slot b serves
 * the contexts c with 31 - clz32(c + 1) == b (the buckets hold contexts 0, 1-2, 3-6, 7-14, ...; slots past
 * the last bucket alias it).
 */
export function packBestCodes(best: Uint8Array): number {
  const last = best.length - 1;
  let packed = 0;
  for (let b = 0; b < 9; b++) packed |= best[b < last ? b : last]! << (3 * b);
  return packed;
}

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
  /** packBestCodes(best0..2), kept in step by the decoders. */
  bc0: number;
  bc1: number;
  bc2: number;

  /**
   * @param corr heap index of this group's correlation row: at corr + x the residuals last decoded at x,
   *   packed c0 | c1 << 8 | c2 << 16. Run pixels leave stale residuals there, as in spice-common.
   */
  constructor(
    family: QuicFamily,
    channels: 1 | 3,
    readonly corr: number,
  ) {
    const nb = family.nBuckets;
    const mk = (): Uint8Array => new Uint8Array(nb).fill(family.bpc - 1);
    this.counters0 = new Int32Array(nb * 8);
    this.best0 = mk();
    if (channels === 3) {
      this.counters1 = new Int32Array(nb * 8);
      this.counters2 = new Int32Array(nb * 8);
      this.best1 = mk();
      this.best2 = mk();
    } else {
      this.counters1 = EMPTY_I32;
      this.counters2 = EMPTY_I32;
      this.best1 = EMPTY_U8;
      this.best2 = EMPTY_U8;
    }
    this.bc0 = packBestCodes(this.best0);
    this.bc1 = this.bc0;
    this.bc2 = this.bc0;
  }

  /** Moves to the next wait-mask index (called every WM_NEXT pixels until WM_MAX). */
  stepWaitMask(): void {
    this.wmIdx++;
    this.trigger = WM_TRIGGER[this.wmIdx > 10 ? 10 : this.wmIdx]!;
    this.wmLeft = WM_NEXT;
  }

  /**
   * Decodes a run length with the adaptive "melcode" (unary hits of the expected run, then a melcLen-bit
   * remainder). `limit` is the most pixels the run may cover (the end of the current segment); a longer
   * run is an error, detected at least every 24 hits so that garbage cannot keep the loop reading.
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
 * Returns true when the bucket's best code changed (the caller then repacks its best codes).
 */
export function updateModel(
  counters: Int32Array,
  best: Uint8Array,
  bucket: number,
  v: number,
  fam: QuicFamily,
  trigger: number,
): boolean {
  const codeLen = fam.codeLen;
  const bpc = fam.bpc;
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
  if (bestLen > trigger) {
    for (let k = 0; k < bpc; k++) counters[base + k]! >>>= 1;
  }
  if (best[bucket] === bestCode) return false;
  best[bucket] = bestCode;
  return true;
}

/** updateModel for FAMILY_8BPC, unrolled (model updates dominate the first rows of every image). */
export function updateModel8(
  counters: Int32Array,
  best: Uint8Array,
  bucket: number,
  v: number,
  trigger: number,
): boolean {
  const b = bucket << 3;
  const n = v << 3;
  let bestLen = (counters[b + 7]! += CODE_LEN_8[n + 7]!);
  let bestCode = 7;
  const c6 = (counters[b + 6]! += CODE_LEN_8[n + 6]!);
  if (c6 < bestLen) {
    bestLen = c6;
    bestCode = 6;
  }
  const c5 = (counters[b + 5]! += CODE_LEN_8[n + 5]!);
  if (c5 < bestLen) {
    bestLen = c5;
    bestCode = 5;
  }
  const c4 = (counters[b + 4]! += CODE_LEN_8[n + 4]!);
  if (c4 < bestLen) {
    bestLen = c4;
    bestCode = 4;
  }
  const c3 = (counters[b + 3]! += CODE_LEN_8[n + 3]!);
  if (c3 < bestLen) {
    bestLen = c3;
    bestCode = 3;
  }
  const c2 = (counters[b + 2]! += CODE_LEN_8[n + 2]!);
  if (c2 < bestLen) {
    bestLen = c2;
    bestCode = 2;
  }
  const c1 = (counters[b + 1]! += CODE_LEN_8[n + 1]!);
  if (c1 < bestLen) {
    bestLen = c1;
    bestCode = 1;
  }
  const c0 = (counters[b + 0]! += CODE_LEN_8[n + 0]!);
  if (c0 < bestLen) {
    bestLen = c0;
    bestCode = 0;
  }
  if (bestLen > trigger) {
    counters[b + 0]! >>>= 1;
    counters[b + 1]! >>>= 1;
    counters[b + 2]! >>>= 1;
    counters[b + 3]! >>>= 1;
    counters[b + 4]! >>>= 1;
    counters[b + 5]! >>>= 1;
    counters[b + 6]! >>>= 1;
    counters[b + 7]! >>>= 1;
  }
  if (best[bucket] === bestCode) return false;
  best[bucket] = bestCode;
  return true;
}
