/**
 * SignatureNonce values seen recently. A nonce only needs remembering while a request carrying it
 * could still pass the Timestamp check: ±15 minutes around real now, so 30 minutes after it was
 * seen. Memory is bounded: expired entries leave from the front (the Map keeps insertion order,
 * which is time order) and past `maxEntries` the oldest go first.
 */
export class NonceCache {
  readonly #seen = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;

  /** @param ttlMs how long a nonce is remembered (real ms). @param maxEntries memory bound. */
  constructor(ttlMs = 30 * 60_000, maxEntries = 200_000) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /** True when `nonce` was already used within the window; otherwise remembers it. */
  used(nonce: string, realNow: number): boolean {
    for (const [oldest, seenAt] of this.#seen) {
      if (seenAt + this.#ttlMs > realNow && this.#seen.size < this.#maxEntries) break;
      this.#seen.delete(oldest);
    }
    if (this.#seen.has(nonce)) return true;
    this.#seen.set(nonce, realNow);
    return false;
  }

  get size(): number {
    return this.#seen.size;
  }

  clear(): void {
    this.#seen.clear();
  }
}
