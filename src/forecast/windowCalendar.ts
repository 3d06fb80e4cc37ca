import type { WaveWindow } from "../plan/compiledPlan.ts";
import { windowState } from "../scheduler/waveWindow.ts";

/** A span of time over which a window's state is known: open (until `end`) or shut (until `end`). */
interface Span {
  from: number;
  end: number;
  open: boolean;
}

/**
 * The daemon's `windowState`, remembered: one cron evaluation answers for every moment up to the
 * next change, so thousands of sampled admissions ask the cron parser a handful of times.
 */
export class WindowCalendar {
  readonly #window: WaveWindow;
  /** Known spans, sorted by `from`, not overlapping. */
  readonly #spans: Span[] = [];

  constructor(window: WaveWindow) {
    this.#window = window;
  }

  /** The first moment at or after `at` when the window is open. */
  nextOpen(at: number): number {
    let moment = at;
    // A shut span may have been cut short by a later one that is shut too: walk on.
    for (let span = this.#spanAt(moment); !span.open; span = this.#spanAt(moment)) {
      if (!Number.isFinite(span.end)) return span.end;
      moment = span.end;
    }
    return moment;
  }

  #spanAt(at: number): Span {
    const spans = this.#spans;
    let low = 0;
    let high = spans.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const span = spans[middle] as Span;
      if (at < span.from) high = middle - 1;
      else if (at >= span.end) low = middle + 1;
      else return span;
    }
    const state = windowState(this.#window, at);
    const span: Span = state.open
      ? { from: at, end: state.closesAt, open: true }
      : { from: at, end: state.opensAt, open: false };
    // Spans learned from a later moment may overlap this one's tail: cut it there.
    const next = spans[low];
    if (next !== undefined && next.from < span.end) span.end = next.from;
    spans.splice(low, 0, span);
    return span;
  }
}
