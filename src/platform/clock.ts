import { setTimeout as delay } from "node:timers/promises";

/**
 * Time as every decision sees it. Decision code takes a `Clock` (or a plain `now`) and never calls
 * `Date.now()` itself, so tests and the emulator's time scale can drive it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Real milliseconds that `ms` of this clock's time take: what a timer or a BullMQ delay must be
   * given to wait until a moment on this clock (a window opening, a `notBefore`).
   */
  realDelay(ms: number): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
  realDelay: (ms) => ms,
};

/**
 * A clock that runs `timeScale` times faster than real time from `epoch` on: with 3600, one real
 * second is one hour. The emulator runs on one so hour-long replication jobs finish in seconds.
 */
export function scaledClock(
  timeScale: number,
  epoch = Date.now(),
  real: Clock = systemClock,
): Clock {
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be above 0, got ${timeScale}`);
  const realStart = real.now();
  return {
    now: () => epoch + (real.now() - realStart) * timeScale,
    sleep: (ms, signal) => real.sleep(ms / timeScale, signal),
    realDelay: (ms) => real.realDelay(ms / timeScale),
  };
}
