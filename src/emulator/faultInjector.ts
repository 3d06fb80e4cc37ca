/**
 * Faults on purpose, seeded and reproducible: the same seed, settings and sequence of signed calls
 * give the same failures. Only signed API calls draw faults; admin routes never do. Each call draws
 * the same number of values whatever the settings, so changing one rate does not reshuffle the rest.
 */
import { derivedSeed, type SeededRandom, seededRandom } from "./seededRandom.ts";

export interface FaultSettings {
  /** Probability (0–1) that a signed call answers HTTP 500 `InternalServerError` / `InternalError`. @default 0 */
  internalErrorRate: number;
  /**
   * Share (0–1) of those 500s that happen after the action took effect, as when the service did the
   * work but the answer was lost: what ClientToken exists for. @default 0.5
   */
  internalErrorAfterEffectShare: number;
  /** Probability (0–1) that a signed call answers HTTP 400 `Throttling.User`. @default 0 */
  throttlingRate: number;
  /** Real milliseconds added before every signed call is answered. @default 0 */
  latencyMs: number;
  /** Probability (0–1) that a Running segment drops to InError with ErrorCode=InternalError. @default 0 */
  jobErrorRate: number;
  /**
   * Probability (0–1) that a signed call gets no answer at all: the connection is closed (the
   * client sees a reset), as in a network outage; 1 is an outage of the whole endpoint.
   * `internalErrorAfterEffectShare` of them happen after the action took effect. @default 0
   */
  unansweredRate: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  internalErrorRate: 0,
  internalErrorAfterEffectShare: 0.5,
  throttlingRate: 0,
  latencyMs: 0,
  jobErrorRate: 0,
  unansweredRate: 0,
};

export type FaultDraw =
  | "none"
  | "throttle"
  | "internalBeforeEffect"
  | "internalAfterEffect"
  | "unansweredBeforeEffect"
  | "unansweredAfterEffect";

/** Checks a partial update; returns the merged settings or the list of problems, quoting values. */
export function mergeFaults(
  current: FaultSettings,
  update: Record<string, unknown>,
): { ok: true; faults: FaultSettings } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const merged: FaultSettings = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (!Object.hasOwn(DEFAULT_FAULTS, key)) {
      problems.push(
        `unknown fault ${JSON.stringify(key)}; known: ${Object.keys(DEFAULT_FAULTS).join(", ")}`,
      );
      continue;
    }
    const isLatency = key === "latencyMs";
    const valid =
      typeof value === "number" &&
      Number.isFinite(value) &&
      value >= 0 &&
      (isLatency ? value <= 60_000 : value <= 1);
    if (!valid) {
      problems.push(
        `${key} must be a number ${isLatency ? "of milliseconds from 0 to 60000" : "from 0 to 1"}, got ${JSON.stringify(value)}`,
      );
      continue;
    }
    merged[key as keyof FaultSettings] = value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, faults: merged };
}

export class FaultInjector {
  #faults: FaultSettings;
  #random: SeededRandom;
  /** A stream of its own, so unanswered calls do not reshuffle the other faults of a seed. */
  #unanswered: SeededRandom;
  readonly #seed: number;

  constructor(seed: number, faults: FaultSettings) {
    this.#seed = seed;
    this.#faults = { ...faults };
    this.#random = seededRandom(derivedSeed(seed, "faults"));
    this.#unanswered = seededRandom(derivedSeed(seed, "unanswered"));
  }

  get faults(): FaultSettings {
    return { ...this.#faults };
  }

  set(faults: FaultSettings): void {
    this.#faults = { ...faults };
  }

  /** Restarts the draw sequence, so a reset emulator fails the same way again. */
  restart(): void {
    this.#random = seededRandom(derivedSeed(this.#seed, "faults"));
    this.#unanswered = seededRandom(derivedSeed(this.#seed, "unanswered"));
  }

  /** The fault (if any) for the next signed call. */
  draw(): FaultDraw {
    const throttle = this.#random.next();
    const internal = this.#random.next();
    const afterEffect = this.#random.next();
    const unanswered = this.#unanswered.next();
    if (unanswered < this.#faults.unansweredRate) {
      return this.#unanswered.next() < this.#faults.internalErrorAfterEffectShare
        ? "unansweredAfterEffect"
        : "unansweredBeforeEffect";
    }
    if (throttle < this.#faults.throttlingRate) return "throttle";
    if (internal < this.#faults.internalErrorRate) {
      return afterEffect < this.#faults.internalErrorAfterEffectShare
        ? "internalAfterEffect"
        : "internalBeforeEffect";
    }
    return "none";
  }
}
