import { describe, expect, it } from "vitest";
import { nextOpenings, windowState } from "./waveWindow.ts";

const HOUR = 3_600_000;
// 22:00 on weekdays in Shanghai (UTC+8) is 14:00 UTC; 2026-11-27 is a Friday.
const weeknights = { cron: "0 22 * * 1-5", durationMs: 6 * HOUR, timezone: "Asia/Shanghai" };
const at = (iso: string) => Date.parse(iso);

describe("windowState", () => {
  it("is closed before the evening opening and says when it opens", () => {
    expect(windowState(weeknights, at("2026-11-27T10:00:00Z"))).toEqual({
      open: false,
      opensAt: at("2026-11-27T14:00:00Z"),
    });
  });

  it("is open exactly at the opening and until its duration ends", () => {
    expect(windowState(weeknights, at("2026-11-27T14:00:00Z"))).toEqual({
      open: true,
      closesAt: at("2026-11-27T20:00:00Z"),
    });
    expect(windowState(weeknights, at("2026-11-27T19:59:59Z")).open).toBe(true);
  });

  it("is closed at the end of the opening and skips the weekend", () => {
    expect(windowState(weeknights, at("2026-11-27T20:00:00Z"))).toEqual({
      open: false,
      opensAt: at("2026-11-30T14:00:00Z"),
    });
  });

  it("reads the cron in the window's time zone", () => {
    const utc = { ...weeknights, timezone: "UTC" };
    expect(windowState(utc, at("2026-11-27T14:00:00Z")).open).toBe(false);
    expect(windowState(utc, at("2026-11-27T22:30:00Z")).open).toBe(true);
  });

  it("merges openings longer than the cron's period", () => {
    const hourlyForThreeHours = { cron: "0 * * * *", durationMs: 3 * HOUR, timezone: "UTC" };
    expect(windowState(hourlyForThreeHours, at("2026-11-27T10:30:00Z"))).toEqual({
      open: true,
      closesAt: at("2026-11-27T13:00:00Z"),
    });
  });
});

describe("nextOpenings", () => {
  it("lists the next weekday openings after now", () => {
    expect(nextOpenings(weeknights, at("2026-11-27T15:00:00Z"), 3)).toEqual([
      at("2026-11-30T14:00:00Z"),
      at("2026-12-01T14:00:00Z"),
      at("2026-12-02T14:00:00Z"),
    ]);
  });
});
