import { derivedSeed, seededRandom } from "../src/emulator/seededRandom.ts";
import { orderForStart } from "../src/scheduler/waveDecision.ts";

/**
 * Packed against largest-first order on work-bound waves, with lengths exactly their sizes (what
 * the plan knows) and with the emulator's ×0.8–1.25 jitter drawn per job (what happens): makespan
 * ÷ lower bound max(longest, work ÷ slots) of list scheduling in each order.
 */
export function packingFigures(): void {
  console.log("packing (makespan ÷ lower bound; exact sizes | with ×0.8–1.25 jitter, mean of 20):");
  for (const [servers, slots] of [
    [200, 20],
    [400, 100],
    [1000, 100],
    [2000, 100],
  ] as const) {
    const random = seededRandom(derivedSeed("bench-packing", servers, slots));
    const wave = Array.from({ length: servers }, (_, index) => ({
      index,
      sizeBytes: 20 + 480 * random.next() ** 2,
    }));
    const row = (order: "largestFirst" | "packed") => {
      const ordered = orderForStart(wave, order, slots);
      const exact = ratio(
        ordered.map((job) => job.sizeBytes),
        slots,
      );
      let jittered = 0;
      for (let run = 0; run < 20; run++) {
        const draw = seededRandom(derivedSeed("jitter", servers, run));
        jittered += ratio(
          ordered.map((job) => job.sizeBytes * (0.8 + 0.45 * draw.next())),
          slots,
        );
      }
      return `${exact.toFixed(4)} | ${(jittered / 20).toFixed(4)}`;
    };
    console.log(
      `  ${servers} servers on ${slots} slots: largest first ${row("largestFirst")}; packed ${row("packed")}`,
    );
  }
}

function ratio(lengths: readonly number[], slots: number): number {
  const free = new Array<number>(slots).fill(0);
  for (const length of lengths) {
    let earliest = 0;
    for (let i = 1; i < slots; i++) if ((free[i] ?? 0) < (free[earliest] ?? 0)) earliest = i;
    free[earliest] = (free[earliest] ?? 0) + length;
  }
  const total = lengths.reduce((sum, length) => sum + length, 0);
  return Math.max(...free) / Math.max(Math.max(...lengths), total / slots);
}
