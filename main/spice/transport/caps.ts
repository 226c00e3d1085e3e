// Capability bit sets as sent in the link stage: bit n lives in word n/32, bit n%32.

export function capsToWords(bits: readonly number[]): number[] {
  const words: number[] = [];
  for (const bit of bits) {
    const i = bit >>> 5;
    while (words.length <= i) words.push(0);
    words[i] = (words[i]! | (1 << (bit & 31))) >>> 0;
  }
  return words;
}

export function capsHas(words: ArrayLike<number>, bit: number): boolean {
  const word = words[bit >>> 5];
  return word !== undefined && (word & (1 << (bit & 31))) !== 0;
}

/** Lists the set bit numbers (for `saffron info`). */
export function capsToBits(words: ArrayLike<number>): number[] {
  const bits: number[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let b = 0; b < 32; b++) if ((words[i]! >>> b) & 1) bits.push(i * 32 + b);
  }
  return bits;
}
