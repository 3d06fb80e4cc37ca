import {
  isEnded,
  isInFlight,
  SERVER_STATUSES,
  type ServerCounts,
} from "../../src/lifecycle/statuses.ts";
import { ownerOfJobName } from "../../src/orchestrator/jobCatalogue.ts";
import { PlanStateError } from "../../src/orchestrator/planErrors.ts";
import { redisKeys } from "../../src/orchestrator/store/redisKeys.ts";
import type { PlanView } from "../../src/orchestrator/views.ts";
import { PLAN_NAMES, sleep } from "./operatorModel.ts";
import type { OperatorWorld } from "./operatorWorld.ts";

/**
 * Quiescence and the verdict of the operator model test, judged by the emulator's own records and
 * by Redis read directly. Each check adds what it found wrong to `violations`; none throws, so one
 * run reports every problem at once.
 */

const PLAN_IDS: readonly string[] = PLAN_NAMES;

/** Our jobs (named `sw-<plan>-<index>[-r<gen>]`) that still exist in the account. */
function liveJobsOf(world: OperatorWorld, planId?: string) {
  return world.emulator
    .timeline()
    .filter(
      (job) =>
        job.deletedAt === null &&
        ownerOfJobName(job.name) !== undefined &&
        (planId === undefined || ownerOfJobName(job.name)?.planId === planId),
    );
}

async function submittedViews(world: OperatorWorld): Promise<PlanView[]> {
  const views = await Promise.all(
    PLAN_IDS.map((planId) => world.reader.migrations.getPlan(planId)),
  );
  return views.filter((view): view is PlanView => view !== undefined);
}

/**
 * Brings the world to rest: faults off, two daemons up, paused plans resumed, until every plan
 * has ended. An ended plan may hold what an open plan waits for: a source locked for a job it
 * kept (an unfinished job it could not delete, `onFinish: keep`), or quota slots of kept jobs. An
 * operator frees those with `release`, and nothing else can: so once a plan has ended, its jobs
 * left in the account are checked to be documented, then released. With that, quiescence is
 * always reachable: every open plan's server either runs (and ends) or waits for a source or a
 * slot that a running server or a released plan gives back, with one exception the plans' policies
 * allow: plans with `onFinish: keep` that run at once may between them keep every slot of the quota
 * while each still has servers to start. Nothing but an operator ends that; so when no server is in
 * flight, every open plan waits for the quota, and an open plan keeps jobs, that plan is cancelled
 * (its pending servers end at once), and then released like any other.
 */
export async function settle(
  world: OperatorWorld,
  violations: string[],
  log: (line: string) => void,
  deadlineMs: number,
): Promise<boolean> {
  world.emulator.setFaults({
    internalErrorRate: 0,
    throttlingRate: 0,
    jobErrorRate: 0,
    unansweredRate: 0,
  });
  while (world.live().length < 2) log(`settle: start ${(await world.startDaemon()).name}`);
  const migrations = world.reader.migrations;
  const deadline = Date.now() + deadlineMs;
  let quotaHeldSince: number | undefined;
  for (;;) {
    const views = await submittedViews(world);
    const open = views.filter((view) => !isEnded("plan", view.status));
    if (open.length === 0) return true;
    const keeping = keptQuotaDeadlock(views);
    quotaHeldSince = keeping ? (quotaHeldSince ?? Date.now()) : undefined;
    // The operator's patience: a few reconciles' worth, so a slot about to be freed is not missed.
    if (keeping && quotaHeldSince !== undefined && Date.now() - quotaHeldSince > 5_000) {
      await migrations.cancel(keeping.id, { stopRunning: false }).catch(ignoreStateError);
      log(`settle: cancel ${keeping.id}: plans not ended keep every slot of the quota`);
      quotaHeldSince = undefined;
    }
    for (const view of views) {
      if (view.status === "paused") {
        await migrations.resume(view.id).catch(ignoreStateError);
        log(`settle: resume ${view.id}`);
      }
      if (isEnded("plan", view.status) && liveJobsOf(world, view.id).length > 0) {
        checkDocumented(world, view, violations);
        const result = await migrations.release(view.id).catch(ignoreStateError);
        if (result?.deleted.length)
          log(`settle: release ${view.id}: ${result.deleted.length} deleted`);
      }
    }
    if (Date.now() > deadline) {
      violations.push(
        `quiescence not reached within ${deadlineMs} ms: ${open.map((view) => `${view.id} is ${view.status}`).join(", ")}`,
      );
      return false;
    }
    await sleep(100);
  }
}

/**
 * An open plan keeping jobs, when nothing is in flight and every open plan waits for the quota:
 * the quota is held by jobs that plans still running keep (see `settle`).
 */
function keptQuotaDeadlock(views: readonly PlanView[]): PlanView | undefined {
  const open = views.filter((view) => !isEnded("plan", view.status));
  const servers = views.flatMap((view) => view.waves.flatMap((wave) => wave.servers));
  if (servers.some((server) => isInFlight(server.status))) return undefined;
  const waitsForQuota = (view: PlanView) =>
    view.waves.some((wave) => wave.waiting?.code.startsWith("Quota.") ?? false);
  if (!open.every(waitsForQuota)) return undefined;
  return open.find((view) =>
    view.waves.some((wave) => wave.servers.some((server) => server.keptJob !== undefined)),
  );
}

function ignoreStateError(error: unknown): undefined {
  if (error instanceof PlanStateError) return undefined;
  throw error;
}

/** Every job of the (ended) plan still in the account is its server's, which says why it stayed. */
function checkDocumented(world: OperatorWorld, view: PlanView, violations: string[]): void {
  const servers = view.waves.flatMap((wave) => wave.servers);
  for (const job of liveJobsOf(world, view.id)) {
    const index = ownerOfJobName(job.name)?.index ?? -1;
    const server = servers[index];
    if (!server || server.jobId !== job.jobId || !server.keptJob) {
      violations.push(
        `job ${job.jobId} (${job.name}, ${job.status}) of ended plan ${view.id} is in the account, but its server ${server ? `is ${server.status} with job ${server.jobId ?? "none"} and keptJob ${JSON.stringify(server.keptJob)}` : "does not exist"}`,
      );
    }
  }
}

/** Every plan, wave and server ended with a reason, and the waves' counters agree with a recount. */
export async function checkEnded(world: OperatorWorld, violations: string[]): Promise<void> {
  const keys = redisKeys(world.prefix);
  for (const plan of await submittedViews(world)) {
    const where = `plan ${plan.id}`;
    if (!isEnded("plan", plan.status)) violations.push(`${where} is ${plan.status}`);
    if (plan.finishedAt === undefined) violations.push(`${where} has no finishedAt`);
    if (plan.status !== "succeeded" && !plan.reason?.message)
      violations.push(`${where} is ${plan.status} without a reason`);
    checkDocumented(world, plan, violations);
    // The views hide a waiting reason once ended; the records themselves must not keep one.
    if (await world.redis.hget(keys.plan(plan.id), "waiting"))
      violations.push(`${where} (${plan.status}) still says it waits`);
    for (const wave of plan.waves) {
      const at = `${where} ${wave.name}`;
      if (await world.redis.hget(keys.wave(plan.id, wave.index), "waiting"))
        violations.push(`${at} (${wave.status}) still says it waits`);
      if (!isEnded("wave", wave.status)) violations.push(`${at} is ${wave.status}`);
      if (wave.finishedAt === undefined)
        violations.push(`${at} (${wave.status}) has no finishedAt`);
      if (wave.status !== "succeeded" && !wave.reason?.message)
        violations.push(`${at} is ${wave.status} without a reason`);
      const recount = Object.fromEntries(SERVER_STATUSES.map((s) => [s, 0])) as ServerCounts;
      for (const server of wave.servers) recount[server.status]++;
      if (JSON.stringify(recount) !== JSON.stringify(wave.counts))
        violations.push(
          `${at} counts ${JSON.stringify(wave.counts)} but its servers are ${JSON.stringify(recount)}`,
        );
      for (const [position, server] of wave.servers.entries()) {
        const label = `${at} server ${server.name ?? server.key} (${server.status})`;
        if (!isEnded("server", server.status)) violations.push(`${label} has not ended`);
        if (server.finishedAt === undefined) violations.push(`${label} has no finishedAt`);
        if (server.status !== "succeeded" && !server.reason?.message)
          violations.push(`${label} has no reason`);
        const index = plan.waves
          .slice(0, wave.index)
          .reduce((sum, earlier) => sum + earlier.servers.length, position);
        const [ending, waiting] = await world.redis.hmget(
          keys.server(plan.id, index),
          "ending",
          "waiting",
        );
        if (ending) violations.push(`${label} still has an end pending: ${ending}`);
        if (waiting) violations.push(`${label} still says it waits: ${waiting}`);
      }
    }
  }
}

/**
 * The final release of every plan: afterwards no job of ours is in the account (a kept job still
 * Running is left by `release` until it finishes, so this repeats), and the ledger holds nothing:
 * no source lock, slot, reservation, tracked or running job. The reconcile may need a round to drop
 * what a late poll wrote, so the ledger is waited for, up to the deadline.
 */
export async function releaseAll(
  world: OperatorWorld,
  violations: string[],
  deadlineMs: number,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (liveJobsOf(world).length > 0) {
    for (const planId of PLAN_IDS) await world.reader.migrations.release(planId);
    if (Date.now() > deadline) {
      violations.push(
        `jobs of ours left after release: ${JSON.stringify(liveJobsOf(world).map((job) => [job.name, job.status]))}`,
      );
      return;
    }
    await sleep(100);
  }
  for (;;) {
    const left = await world.ledgerLeft();
    const held = Object.entries(left).filter(([, entries]) => entries.length > 0);
    if (held.length === 0) return;
    if (Date.now() > deadline) {
      violations.push(`ledger not empty after every plan was released: ${JSON.stringify(held)}`);
      return;
    }
    await sleep(200);
  }
}

/** What the emulator saw over the whole run: the quota, one job per source, one per generation. */
export function checkEmulator(world: OperatorWorld, violations: string[]): void {
  const { highWater } = world.emulator.stats();
  if (highWater.existingJobs > world.quota)
    violations.push(`${highWater.existingJobs} jobs existed at once; the quota is ${world.quota}`);
  if (highWater.unfinishedJobsPerSource > 1)
    violations.push(`a source had ${highWater.unfinishedJobsPerSource} unfinished jobs at once`);
  const perName = new Map<string, string[]>();
  for (const job of world.emulator.timeline())
    perName.set(job.name, [...(perName.get(job.name) ?? []), job.jobId]);
  for (const [name, jobIds] of perName)
    if (jobIds.length > 1)
      violations.push(`${jobIds.length} jobs named ${name} (one server generation): ${jobIds}`);
}

/** Plans, waves and servers as they stand, the ledger and our jobs: for a failure message. */
export async function describeState(world: OperatorWorld): Promise<string> {
  const lines: string[] = [];
  for (const plan of await submittedViews(world)) {
    lines.push(
      `plan ${plan.id} ${plan.status}${plan.waiting ? ` waiting ${plan.waiting.code}` : ""}${plan.reason ? ` (${plan.reason.message})` : ""}`,
    );
    for (const wave of plan.waves) {
      lines.push(
        `  ${wave.name} ${wave.status}${wave.waiting ? ` waiting ${wave.waiting.code}: ${wave.waiting.message}` : ""}`,
      );
      for (const server of wave.servers) {
        lines.push(
          `    ${server.name ?? server.key} ${server.status} job=${server.jobId ?? "-"}/${server.jobStatus ?? "-"}${server.waiting ? ` waiting ${server.waiting.code}: ${server.waiting.message}` : ""}${server.keptJob ? " kept" : ""}${server.reason ? ` [${server.reason.code}: ${server.reason.message}]` : ""}`,
        );
      }
    }
  }
  lines.push(`ledger: ${JSON.stringify(await world.ledgerLeft())}`);
  lines.push(
    `our jobs: ${JSON.stringify(liveJobsOf(world).map((job) => [job.name, job.jobId, job.status]))}`,
  );
  lines.push(`daemons: ${world.daemons.map((d) => `${d.name}${d.alive ? "" : " (killed)"}`)}`);
  return lines.join("\n");
}
