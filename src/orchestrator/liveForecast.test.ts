import { describe, expect, it } from "vitest";
import type { PlanForecast } from "../forecast/forecastModel.ts";
import { MigrationEvents } from "../platform/events.ts";
import { LiveForecasts } from "./liveForecast.ts";

/**
 * A forecast whose asOf counts the computations, from a clock the test moves. Its end is 60 s
 * after the clock at the time it was computed.
 */
function world() {
  let now = 0;
  let computed = 0;
  let gate: Promise<void> | undefined;
  let open = () => {};
  const events = new MigrationEvents();
  const forecasts = new LiveForecasts({
    events,
    now: () => now,
    isPast: (forecast) => Date.parse(forecast.finish.p50) < now,
    maxAgeMs: 30_000,
    minAgeMs: 2_000,
    async forecast(planId) {
      computed += 1;
      const n = computed;
      const end = new Date(now + 60_000).toISOString();
      await gate;
      return { planId, asOf: String(n), finish: { p50: end, p90: end } } as unknown as PlanForecast;
    },
  });
  return {
    forecasts,
    events,
    advance: (ms: number) => (now += ms),
    computed: () => computed,
    /** Holds computations until `release`: a test that reads while one is in flight. */
    hold: () => {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release: () => {
      open();
      gate = undefined;
    },
  };
}

const asOf = (forecast: PlanForecast | undefined) => forecast?.asOf;

describe("LiveForecasts", () => {
  it("computes a plan's forecast once, answers from the cache, and refreshes after 30 s", async () => {
    const w = world();
    expect(asOf(await w.forecasts.get("p"))).toBe("1");
    w.advance(29_000);
    expect(asOf(await w.forecasts.get("p"))).toBe("1");
    expect(w.computed()).toBe(1);
    // Stale: the old value answers at once while the next one is computed.
    w.advance(1_000);
    expect(asOf(await w.forecasts.get("p"))).toBe("1");
    expect(w.computed()).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(asOf(await w.forecasts.get("p"))).toBe("2");
    w.forecasts.close();
  });

  it("never answers a forecast whose end has passed: the reader waits for a new one", async () => {
    const w = world();
    expect(asOf(await w.forecasts.get("p"))).toBe("1");
    // Nobody read it for a while, and its end (60 s after it was made) is behind the clock.
    w.advance(61_000);
    expect(asOf(await w.forecasts.get("p"))).toBe("2");
    expect(w.computed()).toBe(2);
    w.forecasts.close();
  });

  it("recomputes after a status change, but not more often than every 2 s", async () => {
    const w = world();
    await w.forecasts.get("p");
    w.events.emit("wave:status", { planId: "p", wave: "w1", status: "running", generation: 0 });
    w.advance(1_000);
    await w.forecasts.get("p");
    expect(w.computed()).toBe(1);
    w.advance(1_000);
    await w.forecasts.get("p");
    expect(w.computed()).toBe(2);
    // Another plan's change leaves this one alone.
    w.events.emit("plan:status", {
      planId: "other",
      status: "running",
      generation: 0,
      previous: "pending",
    });
    w.advance(5_000);
    await w.forecasts.get("p");
    expect(w.computed()).toBe(2);
    w.forecasts.close();
  });

  it("shares one computation between readers that come while it runs", async () => {
    const w = world();
    w.hold();
    const reads = [w.forecasts.get("p"), w.forecasts.get("p"), w.forecasts.get("p")];
    w.release();
    expect((await Promise.all(reads)).map(asOf)).toEqual(["1", "1", "1"]);
    expect(w.computed()).toBe(1);
    w.forecasts.close();
  });
});
