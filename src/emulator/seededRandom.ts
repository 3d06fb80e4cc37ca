/**
 * Seeded randomness for the emulator: mulberry32, a tiny 32-bit PRNG that is fast, has a full
 * 2^32 period and is good enough for jitter, ids and fault draws. `Math.random()` is never used, so
 * the same seed and the same sequence of requests give the same emulator.
 */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** One item of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `length` characters drawn from `alphabet`. */
  chars(length: number, alphabet?: string): string;
}

/** Lowercase letters and digits: the alphabet of SMC ids (`s-…`, `j-…`, `m-…`). */
const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new RangeError("pick() needs a non-empty list");
      return item;
    },
    chars: (length, alphabet = ID_ALPHABET) => {
      let out = "";
      for (let i = 0; i < length; i++) out += alphabet[int(0, alphabet.length - 1)];
      return out;
    },
  };
}

/**
 * A 32-bit seed derived from parts (FNV-1a over their text). Lets a pure function draw the same
 * "random" values for the same (seed, jobId, run) without carrying a generator's state around.
 */
export function derivedSeed(...parts: ReadonlyArray<string | number>): number {
  let hash = 0x811c9dc5;
  const text = parts.join("\u0000");
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
