/** One plan's claim on an account's quota. */
export interface QuotaClaim {
  planId: string;
  /** Slots the plan holds now. */
  held: number;
  /** Slots the plan could use right now: held plus servers waiting to start, capped by maxJobs. */
  wants: number;
}

/**
 * Max-min fair shares of `capacity` slots (what the account quota leaves after other users' jobs):
 * plans that want less than an equal share get what they want, and the rest is split evenly among
 * the others. Shares never drop below what a plan holds, because held slots are real jobs.
 */
export function fairShares(claims: readonly QuotaClaim[], capacity: number): Map<string, number> {
  const shares = new Map<string, number>();
  let remaining = capacity;
  const open = [...claims].sort((a, b) => a.wants - b.wants || a.planId.localeCompare(b.planId));
  while (open.length > 0) {
    const equalShare = Math.floor(Math.max(0, remaining) / open.length);
    const smallest = open[0];
    if (smallest && smallest.wants <= equalShare) {
      shares.set(smallest.planId, smallest.wants);
      remaining -= smallest.wants;
      open.shift();
      continue;
    }
    // Everyone left wants more than an equal share; the remainder goes to the earliest in order.
    let leftover = Math.max(0, remaining) - equalShare * open.length;
    for (const claim of open) {
      const extra = leftover > 0 ? 1 : 0;
      leftover -= extra;
      shares.set(claim.planId, Math.max(claim.held, equalShare + extra));
    }
    break;
  }
  return shares;
}
