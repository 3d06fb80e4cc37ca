/**
 * A start order that packs a wave's jobs onto its slots so the last ones end together. Largest
 * first (LPT) leaves each slot's load uneven by up to a job; here that assignment is refined by
 * swapping jobs between the busiest slot and lighter ones, then turned into the one order in which
 * admission (each freed slot takes the next server) rebuilds it: by each job's planned start.
 */

/** Refinement passes at most: each is one swap, so this bounds the work on huge waves. */
const MOST_SWAPS = 2_000;

interface Slot<T> {
  load: number;
  jobs: T[];
}

export function packedOrder<T extends { sizeBytes: number; index: number }>(
  largestFirst: readonly T[],
  slots: number,
): T[] {
  if (slots <= 1 || largestFirst.length <= slots) return [...largestFirst];
  const lanes: Slot<T>[] = Array.from({ length: slots }, () => ({ load: 0, jobs: [] }));
  for (const job of largestFirst) {
    let lightest = lanes[0] as Slot<T>;
    for (const lane of lanes) if (lane.load < lightest.load) lightest = lane;
    lightest.jobs.push(job);
    lightest.load += job.sizeBytes;
  }
  for (let swap = 0; swap < MOST_SWAPS && improveBusiest(lanes); swap++);
  const planned: { job: T; start: number }[] = [];
  for (const lane of lanes) {
    lane.jobs.sort((a, b) => b.sizeBytes - a.sizeBytes || a.index - b.index);
    let start = 0;
    for (const job of lane.jobs) {
      planned.push({ job, start });
      start += job.sizeBytes;
    }
  }
  planned.sort(
    (a, b) => a.start - b.start || b.job.sizeBytes - a.job.sizeBytes || a.job.index - b.job.index,
  );
  return planned.map(({ job }) => job);
}

/**
 * One swap (or move) between the busiest slot and another that lowers the busier of the two the
 * most; false when none helps.
 */
function improveBusiest<T extends { sizeBytes: number }>(lanes: Slot<T>[]): boolean {
  let busiest = lanes[0] as Slot<T>;
  for (const lane of lanes) if (lane.load > busiest.load) busiest = lane;
  const others = lanes.filter((lane) => lane !== busiest).sort((a, b) => a.load - b.load);
  for (const other of others) {
    const gap = busiest.load - other.load;
    if (gap <= 0) return false;
    // Moving `delta` bytes from the busiest to the other leaves max(busiest − delta, other + delta):
    // best at delta = gap / 2, useful for any 0 < delta < gap.
    let best: { from: number; to: number; delta: number } | undefined;
    for (let i = 0; i < busiest.jobs.length; i++) {
      const given = (busiest.jobs[i] as T).sizeBytes;
      for (let j = -1; j < other.jobs.length; j++) {
        const taken = j < 0 ? 0 : (other.jobs[j] as T).sizeBytes;
        const delta = given - taken;
        if (delta <= 0 || delta >= gap) continue;
        if (!best || Math.abs(gap / 2 - delta) < Math.abs(gap / 2 - best.delta))
          best = { from: i, to: j, delta };
      }
    }
    if (!best) continue;
    const given = busiest.jobs[best.from] as T;
    busiest.jobs.splice(best.from, 1);
    if (best.to >= 0) {
      const taken = other.jobs[best.to] as T;
      other.jobs.splice(best.to, 1);
      busiest.jobs.push(taken);
    }
    other.jobs.push(given);
    busiest.load -= best.delta;
    other.load += best.delta;
    return true;
  }
  return false;
}
