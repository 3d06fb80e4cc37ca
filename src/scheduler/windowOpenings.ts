import type { WaveWindow } from "../plan/compiledPlan.ts";
import { nextOpenings } from "./waveWindow.ts";

/** One opening of a window, epoch ms; overlapping openings are merged into one. */
export interface Opening {
  opensAt: number;
  closesAt: number;
}

/**
 * A window's openings that overlap `[from, to]`, at most `limit` of them (a `* * * * *` cron over a
 * month would be tens of thousands): what the timeline shades. Openings that overlap each other
 * are merged, as `windowState` treats them.
 */
export function openingsBetween(
  window: WaveWindow,
  from: number,
  to: number,
  limit: number,
): Opening[] {
  const openings: Opening[] = [];
  // An opening that began up to one duration before `from` may still be open at `from`.
  let cursor = from - window.durationMs - 1;
  while (openings.length <= limit) {
    const batch = nextOpenings(window, cursor, 64);
    if (batch.length === 0) break;
    for (const opensAt of batch) {
      if (opensAt > to) return openings.slice(0, limit);
      const closesAt = opensAt + window.durationMs;
      const last = openings.at(-1);
      if (closesAt < from) continue;
      if (last && opensAt <= last.closesAt) last.closesAt = Math.max(last.closesAt, closesAt);
      else openings.push({ opensAt, closesAt });
    }
    cursor = batch.at(-1) ?? to;
  }
  return openings.slice(0, limit);
}
