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
const BUCKET_8 = FAMILY_8BPC.bucketOf;
/**
 * FAMILY_8BPC's code lengths in 16-bit lanes: CODE_LEN_8_PAIRS[v * 4 + j] holds the lengths of value v
 * with code numbers 2j (low lane) and 2j + 1 (high lane).
 */
const CODE_LEN_8_PAIRS = Int32Array.from({ length: 256 * 4 }, (_, k) => {
  const at = (k >> 2) * 8 + (k & 3) * 2;
  return CODE_LEN_8[at]! | (CODE_LEN_8[at + 1]! << 16);
});

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
 * the last bucket alias it). Slot b sits at bit 29 - 3b, which is 3 * clz32(c + 1) modulo 32, so the code
 * of context c is (packed >>> (3 * Math.clz32(c + 1))) & 7 (shift counts are taken modulo 32).
 */
export function packBestCodes(best: Uint8Array): number {
  const last = best.length - 1;
  let packed = 0;
  for (let b = 0; b < 9; b++) packed |= best[b < last ? b : last]! << (29 - 3 * b);
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
  /**
   * The RGB32/RGB24 decoders' bucket counters (FAMILY_8BPC only), two per word in 16-bit lanes:
   * pairs0[bucket * 4 + j] holds the counters of code numbers 2j and 2j + 1. (A counter never exceeds
   * 26 * (901 + 26): every update adds 1..26 to each counter of a bucket, and they are halved once the
   * smallest exceeds the trigger, at most 900; so the lanes cannot carry into each other.)
   */
  readonly pairs0: Int32Array;
  readonly pairs1: Int32Array;
  readonly pairs2: Int32Array;
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
      this.pairs0 = new Int32Array(nb * 4);
      this.pairs1 = new Int32Array(nb * 4);
      this.pairs2 = new Int32Array(nb * 4);
    } else {
      this.counters1 = EMPTY_I32;
      this.counters2 = EMPTY_I32;
      this.best1 = EMPTY_U8;
      this.best2 = EMPTY_U8;
      this.pairs0 = EMPTY_I32;
      this.pairs1 = EMPTY_I32;
      this.pairs2 = EMPTY_I32;
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

/**
 * The model update at one RGB pixel, 8 bits per channel: updateModel for each channel on the 16-bit
 * lane counters (contexts and residuals packed c0 | c1 << 8 | c2 << 16), repacking m.bc0..2 where a best code changed. Returns true
 * when any changed (the caller then reloads m.bc0..2). One call per update pixel instead of three keeps
 * the row loop's live values from being spilled and reloaded around every call.
 */
export function updatePixel8(m: QuicModel, ctx: number, v: number, trigger: number): boolean {
  let changed = false;
  if (updatePairs8(m.pairs0, m.best0, BUCKET_8[ctx & 255]!, v & 255, trigger)) {
    m.bc0 = packBestCodes(m.best0);
    changed = true;
  }
  if (updatePairs8(m.pairs1, m.best1, BUCKET_8[(ctx >> 8) & 255]!, (v >> 8) & 255, trigger)) {
    m.bc1 = packBestCodes(m.best1);
    changed = true;
  }
  if (updatePairs8(m.pairs2, m.best2, BUCKET_8[(ctx >> 16) & 255]!, (v >> 16) & 255, trigger)) {
    m.bc2 = packBestCodes(m.best2);
    changed = true;
  }
  return changed;
}

/**
 * updateModel for FAMILY_8BPC on counters kept in 16-bit lane pairs (QuicModel.pairs0..2), unrolled: the
 * same result with half the typed-array accesses (model updates dominate the first rows of every image).
 */
export function updatePairs8(
  pairs: Int32Array,
  best: Uint8Array,
  bucket: number,
  v: number,
  trigger: number,
): boolean {
  const b = bucket << 2;
  const n = v << 2;
  const c01 = (pairs[b]! += CODE_LEN_8_PAIRS[n]!);
  const c23 = (pairs[b + 1]! += CODE_LEN_8_PAIRS[n + 1]!);
  const c45 = (pairs[b + 2]! += CODE_LEN_8_PAIRS[n + 2]!);
  const c67 = (pairs[b + 3]! += CODE_LEN_8_PAIRS[n + 3]!);
  // The smallest counter; ties keep the higher code number.
  let bestLen = c67 >>> 16;
  let bestCode = 7;
  let c = c67 & 0xffff;
  if (c < bestLen) {
    bestLen = c;
    bestCode = 6;
  }
  c = c45 >>> 16;
  if (c < bestLen) {
    bestLen = c;
    bestCode = 5;
  }
  c = c45 & 0xffff;
  if (c < bestLen) {
    bestLen = c;
    bestCode = 4;
  }
  c = c23 >>> 16;
  if (c < bestLen) {
    bestLen = c;
    bestCode = 3;
  }
  c = c23 & 0xffff;
  if (c < bestLen) {
    bestLen = c;
    bestCode = 2;
  }
  c = c01 >>> 16;
  if (c < bestLen) {
    bestLen = c;
    bestCode = 1;
  }
  c = c01 & 0xffff;
  if (c < bestLen) {
    bestLen = c;
    bestCode = 0;
  }
  if (bestLen > trigger) {
    pairs[b] = (c01 >>> 1) & 0x7fff7fff;
    pairs[b + 1] = (c23 >>> 1) & 0x7fff7fff;
    pairs[b + 2] = (c45 >>> 1) & 0x7fff7fff;
    pairs[b + 3] = (c67 >>> 1) & 0x7fff7fff;
  }
  if (best[bucket] === bestCode) return false;
  best[bucket] = bestCode;
  return true;
}
