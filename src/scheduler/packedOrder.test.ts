import { describe, expect, it } from "vitest";
import { derivedSeed, seededRandom } from "../emulator/seededRandom.ts";
import { orderForStart } from "./waveDecision.ts";

/**
 * The makespan admission gives an order: each server starts on the first slot to come free, and
 * runs its size (lengths are proportional to bytes).
 */
function makespan(order: readonly { sizeBytes: number }[], slots: number): number {
  const free = Array.from({ length: slots }, () => 0);
  for (const job of order) {
    let earliest = 0;
    for (let i = 1; i < slots; i++) if ((free[i] ?? 0) < (free[earliest] ?? 0)) earliest = i;
    free[earliest] = (free[earliest] ?? 0) + job.sizeBytes;
  }
  return Math.max(...free);
}

function wave(seed: number, count: number) {
  const random = seededRandom(derivedSeed("packing", seed));
  return Array.from({ length: count }, (_, index) => ({
    index,
    // 20–500 GiB, skewed towards small servers as data centres are.
    sizeBytes: Math.round((20 + 480 * random.next() ** 2) * 1024 ** 3),
  }));
}

describe("orderForStart packed", () => {
  it("on work-bound waves ends no later than largest first, within 1 % of the lower bound", () => {
    for (const [seed, count, slots] of [
      [1, 60, 8],
      [2, 200, 20],
      [3, 400, 100],
      [4, 1000, 50],
    ] as const) {
      const servers = wave(seed, count);
      const total = servers.reduce((sum, server) => sum + server.sizeBytes, 0);
      const longest = Math.max(...servers.map((server) => server.sizeBytes));
      const lowerBound = Math.max(longest, total / slots);
      const largest = makespan(orderForStart(servers, "largestFirst", slots), slots);
      const packed = makespan(orderForStart(servers, "packed", slots), slots);
      expect(packed, `${count} servers on ${slots} slots`).toBeLessThanOrEqual(largest);
      expect(packed / lowerBound, `${count} servers on ${slots} slots`).toBeLessThan(1.01);
    }
  });

  it("orders every server once, and is largest first when every server has its own slot", () => {
    const servers = wave(5, 30);
    const packed = orderForStart(servers, "packed", 7);
    expect(packed.map((server) => server.index).sort((a, b) => a - b)).toEqual(
      servers.map((server) => server.index),
    );
    expect(orderForStart(servers, "packed", 30)).toEqual(orderForStart(servers, "largestFirst"));
  });
});
