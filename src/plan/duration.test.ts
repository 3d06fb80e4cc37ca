import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  it.each([
    ["250ms", 250],
    ["30s", 30_000],
    ["15m", 900_000],
    ["6h", 21_600_000],
    ["30d", 2_592_000_000],
    [1500, 1500],
    [0, 0],
  ])("%s → %d ms", (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([
    ["30"],
    ["1.5h"],
    ["-5s"],
    ["30 days"],
    [""],
    [-1],
    [1.5],
    [null],
    [{}],
    ["999999999999d"],
  ])("rejects %s", (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it("writes durations the way people do", () => {
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(30 * 86_400_000)).toBe("30d");
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(1_250)).toBe("1s250ms");
  });
});
