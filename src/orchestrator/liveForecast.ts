import type { PlanForecast } from "../forecast/forecastModel.ts";
import type { MigrationEvents } from "../platform/events.ts";

/** Forecasts a plan from its current state; undefined when the plan does not exist. */
type PlanForecaster = (planId: string) => Promise<PlanForecast | undefined>;

interface Entry {
  /** Real ms the value was computed at. */
  at: number;
  value: PlanForecast | undefined;
  /** A status changed since: recomputed at the next read once `minAgeMs` has passed. */
  dirty: boolean;
  computing?: Promise<PlanForecast | undefined>;
}

export interface LiveForecastOptions {
  forecast: PlanForecaster;
  events: MigrationEvents;
  /** Real time, ms: the cache's age is real, whatever the world's clock does. */
  now: () => number;
  /** Whether a forecast's end is already past (world time): shown, it would mislead. */
  isPast: (forecast: PlanForecast) => boolean;
  /** A forecast is recomputed at most this often while nothing changes, real ms. @default 30_000 */
  maxAgeMs?: number;
  /**
   * After a status change, the forecast is recomputed once it is this old, real ms: a wave of
   * servers changing status every few ms costs one simulation per interval, not one per change.
   * @default 2_000
   */
  minAgeMs?: number;
}

/**
 * The daemon's live forecast per plan, cached so that the view's 2-second refresh, `status` and
 * every metrics scrape read it without running the simulation each time. A stale forecast is
 * answered at once while a fresh one is computed behind it; only the first read of a plan, and a
 * read of a forecast whose end has already passed, wait.
 */
export class LiveForecasts {
  readonly #options: Required<Omit<LiveForecastOptions, "events">>;
  readonly #entries = new Map<string, Entry>();
  readonly #offs: (() => void)[];

  constructor(options: LiveForecastOptions) {
    this.#options = { maxAgeMs: 30_000, minAgeMs: 2_000, ...options };
    const changed = ({ planId }: { planId: string }) => {
      const entry = this.#entries.get(planId);
      if (entry) entry.dirty = true;
    };
    this.#offs = [
      options.events.on("plan:status", changed),
      options.events.on("wave:status", changed),
      options.events.on("server:status", changed),
    ];
  }

  /** The plan's live forecast: cached, refreshed when stale. */
  async get(planId: string): Promise<PlanForecast | undefined> {
    const entry = this.#entries.get(planId);
    if (!entry) return this.#compute(planId);
    if (entry.computing !== undefined) return entry.value ?? entry.computing;
    // One whose end is already past would read as a promise broken: the reader waits for a new
    // one. Any other is answered at once, and refreshed behind the answer once it is old.
    if (entry.value !== undefined && this.#options.isPast(entry.value))
      return this.#compute(planId);
    const age = this.#options.now() - entry.at;
    const stale = age >= this.#options.maxAgeMs || (entry.dirty && age >= this.#options.minAgeMs);
    if (stale) void this.#compute(planId).catch(() => undefined);
    return entry.value;
  }

  /** Forgets an ended plan's forecast. */
  forget(planId: string): void {
    this.#entries.delete(planId);
  }

  close(): void {
    for (const off of this.#offs) off();
  }

  #compute(planId: string): Promise<PlanForecast | undefined> {
    const previous = this.#entries.get(planId);
    const computing = this.#options.forecast(planId).then(
      (value) => {
        this.#entries.set(planId, { at: this.#options.now(), value, dirty: false });
        return value;
      },
      (error: unknown) => {
        // The last good value stays until it is stale again; a first failure leaves nothing cached.
        if (previous) this.#entries.set(planId, { ...previous, at: this.#options.now() });
        else this.#entries.delete(planId);
        throw error;
      },
    );
    this.#entries.set(planId, {
      at: previous?.at ?? 0,
      value: previous?.value,
      dirty: previous?.dirty ?? false,
      computing,
    });
    return computing;
  }
}
