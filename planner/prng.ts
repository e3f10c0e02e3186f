/**
 * A small seeded pseudo-random generator (SplitMix32-style mixing of a Weyl sequence).
 * Every randomized strategy draws from one of these so that the same seed gives the same plan.
 */

export interface Prng {
  /** Next value in [0, 1). */
  next(): number;
  /** Next integer in [0, bound) for bound >= 1. */
  nextInt(bound: number): number;
}

/** Creates a generator from any finite number (its low 32 bits are used; non-integers are truncated). */
export function createPrng(seed: number): Prng {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  const nextU32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return {
    next: () => nextU32() / 4294967296,
    nextInt: (bound: number) => Math.floor((nextU32() / 4294967296) * bound),
  };
}
