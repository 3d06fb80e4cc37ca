import { type SourceHolder, type WaitReason, waits } from "../lifecycle/reasons.ts";
import type { OrchestratorContext } from "./context.ts";
import { enqueueServer } from "./jobCatalogue.ts";
import { planShare, publishWants } from "./planShare.ts";
import { ServerOutcome } from "./serverOutcome.ts";
import type { LockHolder } from "./store/quotaLedger.ts";
import type { PlanRecord } from "./store/storeRecords.ts";

/** Pending servers read per round: admission usually stops at the quota long before. */
const PAGE = 100;

/**
 * Reserves slots for the wave's pending servers in start order until the quota, the plan's share
 * or the queue runs out. A server whose source is held waits with a reason naming the holder, and
 * the next one is tried. Returns why the wave as a whole is held, if it is (the quota).
 */
export async function admit(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  pendingCount: number,
  /** World time the wave's window closes: nothing is admitted from then on, even mid-pass. */
  windowClosesAt = Number.POSITIVE_INFINITY,
): Promise<Omit<WaitReason, "since"> | undefined> {
  const accountName = plan.spec.account;
  const account = ctx.accounts.get(accountName);
  if (!account) return undefined;
  const usage = await ctx.ledger.usage(accountName, ctx.realClock.now());
  const held = usage.byPlan.get(plan.id) ?? 0;
  if (pendingCount === 0) {
    await publishWants(ctx, plan, held);
    return undefined;
  }
  const share = await planShare(ctx, plan, account, usage, held + pendingCount);
  const pass = { admitted: 0, sourceBlocked: 0, limited: false };
  const outcome = await admitInOrder(ctx, plan, waveIndex, share, windowClosesAt, pass);
  // Stopped by the quota or the share, it could use one slot per server it did not reach;
  // otherwise (the queue ran out, or the rest wait for sources) what it holds now.
  const unreached = pendingCount - pass.admitted - pass.sourceBlocked;
  await publishWants(ctx, plan, held + pass.admitted + (pass.limited ? Math.max(0, unreached) : 0));
  return outcome;
}

async function admitInOrder(
  ctx: OrchestratorContext,
  plan: PlanRecord,
  waveIndex: number,
  share: number,
  windowClosesAt: number,
  pass: { admitted: number; sourceBlocked: number; limited: boolean },
): Promise<Omit<WaitReason, "since"> | undefined> {
  const accountName = plan.spec.account;
  const account = ctx.accounts.get(accountName);
  if (!account) return undefined;
  // Admitted servers leave the queue; those passed over stay at its head, so each page starts
  // after them.
  let passedOver = 0;
  for (;;) {
    const indexes = await ctx.servers.pendingInOrder(plan.id, waveIndex, passedOver, PAGE);
    const servers = await ctx.servers.getServers(plan.id, indexes);
    if (servers.length === 0) return undefined;
    for (const server of servers) {
      if (ctx.clock.now() >= windowClosesAt) return undefined;
      if (server.status !== "pending" || !server.sourceId) {
        passedOver++;
        continue;
      }
      const outcome = new ServerOutcome(ctx, plan, server);
      const result = await ctx.ledger.reserve(
        outcome.slot,
        { account: account.quota, plan: share },
        ctx.realClock.now(),
        ctx.settings.reservationLeaseMs,
      );
      if (result.ok) {
        // The reservation took a round trip: the window may have closed meanwhile.
        if (ctx.clock.now() >= windowClosesAt) {
          await ctx.ledger.releaseReservation(outcome.slot);
          return undefined;
        }
        if (await outcome.moveTo("creating")) {
          await enqueueServer(ctx.queues.servers, plan, server);
          pass.admitted++;
        } else {
          await ctx.ledger.releaseReservation(outcome.slot);
          passedOver++;
        }
        continue;
      }
      switch (result.reason) {
        case "source-busy":
          passedOver++;
          pass.sourceBlocked++;
          await outcome.waitFor(
            waits.sourceHeld(
              server.sourceId,
              await describeHolder(ctx, accountName, server.sourceId, result.holder),
            ),
          );
          continue;
        // Paused or cancelled since this step began: the ledger refused atomically, admit no more.
        case "plan-not-running":
          return undefined;
        case "quota": {
          pass.limited = true;
          ctx.events.emit("quota:blocked", {
            account: accountName,
            used: result.used,
            limit: account.quota,
          });
          const fresh = await ctx.ledger.usage(accountName, ctx.realClock.now());
          return waits.quotaFull(accountName, fresh.used, account.quota, fresh.externalJobs.length);
        }
        case "plan-cap":
          pass.limited = true;
          return waits.planLimit(result.used, share, plan.spec.policy.maxJobs);
      }
    }
  }
}

/**
 * Who holds a source, in the words a waiting server shows. Someone else's job is also watched by
 * the poller from now on, so the wait ends within a poll of that job going.
 */
async function describeHolder(
  ctx: OrchestratorContext,
  account: string,
  sourceId: string,
  holder: LockHolder,
): Promise<SourceHolder> {
  if (holder.kind === "external") {
    await ctx.tracking.track(
      account,
      holder.jobId,
      { kind: "blocker", sourceId },
      ctx.realClock.now(),
    );
    return { kind: "external", jobId: holder.jobId };
  }
  const plan = await ctx.store.getPlan(holder.planId);
  const server = await ctx.servers.getServer(holder.planId, holder.index);
  const key = server?.name ?? server?.key ?? `#${holder.index}`;
  if (holder.kind === "kept")
    return { kind: "kept", planId: holder.planId, server: key, jobId: holder.jobId };
  return {
    kind: "plan",
    planId: holder.planId,
    wave: plan?.spec.waves[server?.wave ?? 0]?.name ?? "?",
    server: key,
    ...(server?.jobId ? { jobId: server.jobId } : {}),
  };
}
