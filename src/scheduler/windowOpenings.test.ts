import { describe, expect, it } from "vitest";
import { openingsBetween } from "./windowOpenings.ts";

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe("openingsBetween", () => {
  const nightly = { cron: "0 22 * * *", durationMs: 4 * HOUR, timezone: "UTC" };

  it("lists the openings that overlap the span, one begun before it included", () => {
    const openings = openingsBetween(
      nightly,
      at("2026-12-01T00:00:00Z"),
      at("2026-12-03T00:00:00Z"),
      10,
    );
    expect(openings).toEqual([
      { opensAt: at("2026-11-30T22:00:00Z"), closesAt: at("2026-12-01T02:00:00Z") },
      { opensAt: at("2026-12-01T22:00:00Z"), closesAt: at("2026-12-02T02:00:00Z") },
      { opensAt: at("2026-12-02T22:00:00Z"), closesAt: at("2026-12-03T02:00:00Z") },
    ]);
  });

  it("leaves out an opening that closed before the span", () => {
    const openings = openingsBetween(
      nightly,
      at("2026-12-01T03:00:00Z"),
      at("2026-12-01T21:00:00Z"),
      10,
    );
    expect(openings).toEqual([]);
  });

  it("merges overlapping openings and stops at the limit", () => {
    const hourlyTwoHours = { cron: "0 * * * *", durationMs: 2 * HOUR, timezone: "UTC" };
    const merged = openingsBetween(
      hourlyTwoHours,
      at("2026-12-01T00:30:00Z"),
      at("2026-12-01T05:00:00Z"),
      10,
    );
    expect(merged).toEqual([
      { opensAt: at("2026-11-30T23:00:00Z"), closesAt: at("2026-12-01T07:00:00Z") },
    ]);
    const everyMinute = { cron: "* * * * *", durationMs: 30_000, timezone: "UTC" };
    expect(
      openingsBetween(everyMinute, at("2026-12-01T00:00:00Z"), at("2026-12-31T00:00:00Z"), 50),
    ).toHaveLength(50);
  });
});
