/**
 * Everything one emulator instance owns, built once by `startEmulator` and shared by the API handler
 * and the admin routes: the store, the faults, the nonce cache, the credentials and the emulated
 * clock (a scaled clock plus an offset the admin route can move forward).
 */
import type { Clock } from "../platform/clock.ts";
import type { EmulatorStore } from "./emulatorStore.ts";
import { type FaultInjector, type FaultSettings, mergeFaults } from "./faultInjector.ts";
import { NonceCache } from "./nonceCache.ts";
import type { SourceRecord } from "./records.ts";
import type { EmulatorCredential } from "./requestAuthenticator.ts";
import { derivedSeed, type SeededRandom, seededRandom } from "./seededRandom.ts";
import { type SourceSpec, sourceFromSpec } from "./sourceCatalogue.ts";

export interface CoreParts {
  store: EmulatorStore;
  faults: FaultInjector;
  /** The emulated clock before any admin offset. */
  baseClock: Clock;
  /** Real time, for Timestamp checks and injected latency. */
  realClock: Clock;
  credentials: readonly EmulatorCredential[];
  /** The sources the emulator started with; `reset` restores them. */
  initialSources: readonly SourceRecord[];
  seed: number;
}

export class EmulatorCore {
  readonly store: EmulatorStore;
  readonly faults: FaultInjector;
  readonly realClock: Clock;
  readonly nonces = new NonceCache();
  readonly credentials: ReadonlyMap<string, EmulatorCredential>;
  /** The emulated clock every decision reads. */
  readonly clock: Clock;
  readonly #baseClock: Clock;
  readonly #initialSources: readonly SourceRecord[];
  readonly #seed: number;
  #offsetMs = 0;
  #requestIds: SeededRandom;
  #sourceRandom: SeededRandom;

  constructor(parts: CoreParts) {
    this.store = parts.store;
    this.faults = parts.faults;
    this.realClock = parts.realClock;
    this.#baseClock = parts.baseClock;
    this.#initialSources = parts.initialSources;
    this.#seed = parts.seed;
    this.credentials = new Map(
      parts.credentials.map((credential) => [credential.accessKeyId, credential]),
    );
    this.#requestIds = seededRandom(derivedSeed(parts.seed, "requests"));
    this.#sourceRandom = seededRandom(derivedSeed(parts.seed, "added-sources"));
    this.clock = {
      now: () => this.#baseClock.now() + this.#offsetMs,
      sleep: (ms, signal) => this.#baseClock.sleep(ms, signal),
      realDelay: (ms) => this.#baseClock.realDelay(ms),
    };
    this.store.reset(parts.initialSources);
    this.store.settings.simulation.jobErrorRate = parts.faults.faults.jobErrorRate;
  }

  /** Emulated now, with the store brought up to it. */
  now(): number {
    const now = this.clock.now();
    this.store.sync(now);
    return now;
  }

  /** A RequestId in the service's shape (uppercase UUID), seeded. */
  requestId(): string {
    const hex = this.#requestIds.chars(32, "0123456789ABCDEF");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Moves emulated time forward by `ms` (admin route; e.g. to pass a ValidTime). */
  advanceClock(ms: number): number {
    this.now();
    this.#offsetMs += ms;
    return this.now();
  }

  /** Applies a partial fault update; returns the problems (quoting values) when it is invalid. */
  setFaults(update: Partial<FaultSettings> | Record<string, unknown>): string[] {
    const merged = mergeFaults(this.faults.faults, update);
    if (!merged.ok) return merged.problems;
    // Transitions due before the change are decided with the old job error rate.
    this.now();
    this.faults.set(merged.faults);
    this.store.settings.simulation.jobErrorRate = merged.faults.jobErrorRate;
    return [];
  }

  addSource(spec: SourceSpec): SourceRecord {
    const now = this.now();
    const source = sourceFromSpec(spec, this.#sourceRandom, now);
    if (this.store.sources.has(source.sourceId)) {
      throw new RangeError(`a source with id ${JSON.stringify(source.sourceId)} already exists`);
    }
    this.store.sources.set(source.sourceId, source);
    return source;
  }

  setSourceState(
    sourceId: string,
    state: SourceRecord["baseState"],
    errorCode?: string,
  ): SourceRecord | undefined {
    this.now();
    const source = this.store.sources.get(sourceId);
    if (!source) return undefined;
    source.baseState = state;
    source.errorCode = errorCode ?? (state === "Unavailable" ? "SourceServer.Offline" : "");
    source.statusInfo =
      state === "Unavailable"
        ? JSON.stringify({
            error_code: source.errorCode,
            error_msg: "Set by the emulator's admin route.",
          })
        : "";
    return source;
  }

  /** Back to the starting sources, no jobs, no tags, zero stats, fresh seeded sequences. */
  reset(): void {
    this.store.reset(this.#initialSources);
    this.nonces.clear();
    this.faults.restart();
    this.#requestIds = seededRandom(derivedSeed(this.#seed, "requests"));
    this.#sourceRandom = seededRandom(derivedSeed(this.#seed, "added-sources"));
  }
}
