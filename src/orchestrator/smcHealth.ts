import type { Outage } from "../scheduler/stepRetry.ts";
import { classify } from "../smc/errors.ts";

/** Transient failures in a row, with no answer between them, that make an outage. */
const FAILURES_FOR_OUTAGE = 3;

/**
 * Whether an account's SMC endpoint answers, as this daemon's own calls tell: every answer from the
 * service (a success, or a refusal such as a parameter error) means it is reachable; a run of
 * timeouts, resets and 5xx with no answer between them is an outage. A step that fails transiently
 * during an outage waits without using up its attempts, however long the outage lasts.
 */
export class SmcHealth {
  #failuresInARow = 0;
  #outage: Outage | undefined;
  readonly #worldNow: () => number;
  readonly #realNow: () => number;

  /** World time is what the outage's start is shown in; real time is what waits are measured in. */
  constructor(worldNow: () => number, realNow: () => number) {
    this.#worldNow = worldNow;
    this.#realNow = realNow;
  }

  observe(call: { ok: boolean; code?: string }): void {
    const transient = !call.ok && call.code !== undefined && classify(call.code) === "transient";
    if (!transient) {
      // Throttling is an answer too: the endpoint is up, only busy.
      this.#failuresInARow = 0;
      this.#outage = undefined;
      return;
    }
    this.#failuresInARow++;
    if (!this.#outage && this.#failuresInARow >= FAILURES_FOR_OUTAGE) {
      this.#outage = {
        since: this.#worldNow(),
        sinceReal: this.#realNow(),
        code: call.code ?? "unknown",
      };
    }
  }

  /** The outage going on, if the endpoint has not answered the last few calls. */
  get outage(): Outage | undefined {
    return this.#outage;
  }
}
