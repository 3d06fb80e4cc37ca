import { CronExpressionParser } from "cron-parser";
import type { WaveWindow } from "../plan/compiledPlan.ts";

export type WindowState =
  | { open: true /** Epoch ms when the current opening ends. */; closesAt: number }
  | { open: false /** Epoch ms of the next opening. */; opensAt: number };

/**
 * Whether a wave's window is open at `now`. An opening starts at each cron occurrence (read in the
 * window's time zone) and lasts `durationMs`; openings that overlap simply extend each other.
 */
export function windowState(window: WaveWindow, now: number): WindowState {
  // `prev()` is strictly before its start date, so start one millisecond later to count an
  // opening that begins exactly at `now`.
  const previous = CronExpressionParser.parse(window.cron, {
    currentDate: new Date(now + 1),
    tz: window.timezone,
  });
  let closesAt = -Infinity;
  // Walk back over openings that could still cover `now`: one is enough unless the duration is
  // longer than the cron's period.
  for (let i = 0; i < 1_000; i++) {
    const start = previous.prev().getTime();
    if (start + window.durationMs <= now) break;
    closesAt = Math.max(closesAt, start + window.durationMs);
  }
  if (closesAt > now) return { open: true, closesAt };
  return { open: false, opensAt: nextOpenings(window, now, 1)[0] ?? Number.POSITIVE_INFINITY };
}

/** The next `count` opening times strictly after `now`, epoch ms. */
export function nextOpenings(window: WaveWindow, now: number, count: number): number[] {
  const upcoming = CronExpressionParser.parse(window.cron, {
    currentDate: new Date(now),
    tz: window.timezone,
  });
  const openings: number[] = [];
  for (let i = 0; i < count && upcoming.hasNext(); i++) openings.push(upcoming.next().getTime());
  return openings;
}
