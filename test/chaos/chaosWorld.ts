import { pino } from "pino";
import {
  type EmulatorOptions,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/startEmulator.ts";
import { type Orchestrator, startOrchestrator } from "../../src/orchestrator/orchestrator.ts";
import type { PlanView } from "../../src/orchestrator/views.ts";
import type { CompiledPlan } from "../../src/plan/compiledPlan.ts";
import { MigrationEvents } from "../../src/platform/events.ts";
import { SmcClient } from "../../src/smc/client.ts";
import { FAST_SETTINGS, planOverSources } from "../support/migrationHarness.ts";
import { isolatedRedis, REDIS_URL } from "../support/redisPrefix.ts";
import { DaemonFleet, daemonEnv } from "./daemonProcess.ts";

const ENDED = new Set(["succeeded", "failed", "cancelled"]);

/**
 * One chaos scenario's world: the real emulator in this process, a fresh Redis prefix, a fleet of
 * daemon child processes on that prefix, and a read-only orchestrator here (no workers) that
 * submits plans and reads their state. Only the children do work.
 */
export interface ChaosWorld {
  emulator: RunningEmulator;
  client: SmcClient;
  fleet: DaemonFleet;
  quota: number;
  /**
   * Submits a plan of `waveSizes` servers over the emulator's sources; returns its id. `shape`
   * changes the plan before it is submitted (incremental waves, cut-overs).
   */
  submit(
    name: string,
    waveSizes: readonly number[],
    shape?: (plan: CompiledPlan) => CompiledPlan,
  ): Promise<{ planId: string; servers: number }>;
  /** The in-process orchestrator (no workers): operator actions, as the API would call them. */
  reader: Orchestrator;
  view(planId: string): Promise<PlanView | undefined>;
  /** True once the plan has ended (succeeded, failed or cancelled). */
  ended(planId: string): Promise<boolean>;
  /** Waits (polling every 100 ms) until the plan ends; throws with the daemons' output past `timeoutMs`. */
  waitForEnd(planId: string, timeoutMs: number): Promise<PlanView>;
  close(): Promise<void>;
}

export async function startChaosWorld(
  options: EmulatorOptions & { quota: number; daemonEnv?: Record<string, string> },
): Promise<ChaosWorld> {
  // 36,000×: an emulated hour is 0.1 s, so a 100 GiB server migrates in about 0.2 s.
  const emulator = await startEmulator({ timeScale: 36_000, seed: 11, ...options });
  const client = new SmcClient({
    endpoint: emulator.url,
    credentials: emulator.credentials,
    regionId: "cn-hangzhou",
  });
  const { redis, prefix, cleanup } = await isolatedRedis();
  const reader: Orchestrator = await startOrchestrator({
    redis,
    prefix,
    accounts: new Map([["default", { client, quota: options.quota }]]),
    settings: FAST_SETTINGS,
    events: new MigrationEvents(),
    logger: pino({ level: "silent" }),
    runWorkers: false,
  });
  const fleet = new DaemonFleet(
    daemonEnv({
      redisUrl: REDIS_URL,
      prefix,
      endpoint: emulator.url,
      credentials: emulator.credentials,
      quota: options.quota,
      ...(options.daemonEnv ? { extra: options.daemonEnv } : {}),
    }),
  );

  const view = (planId: string) => reader.migrations.getPlan(planId);
  const ended = async (planId: string) => {
    const plan = (await reader.migrations.listPlans()).find((p) => p.id === planId);
    return plan !== undefined && ENDED.has(plan.status);
  };
  return {
    emulator,
    client,
    fleet,
    quota: options.quota,
    reader,
    async submit(name, waveSizes, shape = (plan) => plan) {
      // No validTime or scheduledStartTime: the daemons keep real time, the emulator a scaled one.
      const plan: CompiledPlan = await planOverSources(client, name, waveSizes, {
        maxJobs: options.quota,
      });
      const { planId } = await reader.migrations.submit(shape(plan));
      return { planId, servers: waveSizes.reduce((sum, size) => sum + size, 0) };
    },
    view,
    ended,
    async waitForEnd(planId, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!(await ended(planId))) {
        if (Date.now() > deadline) {
          const plan = await view(planId);
          const stuck = plan?.waves
            .flatMap((wave) => wave.servers)
            .filter((server) => !ENDED.has(server.status) && server.status !== "pending")
            .slice(0, 10)
            .map((server) => JSON.stringify(server));
          throw new Error(
            `plan ${planId} did not end within ${timeoutMs} ms (status ${plan?.status}, counts ${JSON.stringify(plan?.counts)})\nin flight: ${stuck?.join("\n")}\n${fleet.diagnostics()}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const plan = await view(planId);
      if (!plan) throw new Error(`plan ${planId} vanished`);
      return plan;
    },
    async close() {
      await fleet.killAll();
      for (const queue of Object.values(reader.queues))
        await queue.obliterate({ force: true }).catch(() => undefined);
      await reader.close(1_000);
      client.close();
      await emulator.close();
      await cleanup();
    },
  };
}

/**
 * Judges a finished migration by the emulator alone (plus the plan's end status): every server
 * succeeded, exactly one job per source was ever created and every one finished and was deleted,
 * at most one unfinished job per source at any instant, never more jobs than the quota.
 */
export function emulatorVerdict(
  world: Pick<ChaosWorld, "emulator" | "quota">,
  plan: PlanView,
  servers: number,
) {
  const stats = world.emulator.stats();
  const timeline = world.emulator.timeline();
  const jobsPerSource = new Map<string, number>();
  for (const job of timeline)
    jobsPerSource.set(job.sourceId, (jobsPerSource.get(job.sourceId) ?? 0) + 1);
  const planSources = new Set(
    plan.waves.flatMap((wave) => wave.servers.map((server) => server.sourceId)),
  );
  return {
    planStatus: plan.status,
    serversSucceeded: plan.waves
      .flatMap((wave) => wave.servers)
      .filter((server) => server.status === "succeeded").length,
    jobsCreated: stats.jobsCreated,
    sourcesWithJobs: jobsPerSource.size,
    sourcesWithMoreThanOneJob: [...jobsPerSource.values()].filter((count) => count > 1).length,
    jobsOutsidePlan: timeline.filter((job) => !planSources.has(job.sourceId)).length,
    jobsNotFinished: timeline.filter((job) => job.finishedAt === null).length,
    jobsNotDeleted: timeline.filter((job) => job.deletedAt === null).length,
    unfinishedJobsPerSourceHighWater: stats.highWater.unfinishedJobsPerSource,
    existingJobsWithinQuota: stats.highWater.existingJobs <= world.quota,
    expected: servers,
  };
}

/** What `emulatorVerdict` must say after an undisturbed run of `servers` servers. */
export function cleanVerdict(servers: number) {
  return {
    planStatus: "succeeded",
    serversSucceeded: servers,
    jobsCreated: servers,
    sourcesWithJobs: servers,
    sourcesWithMoreThanOneJob: 0,
    jobsOutsidePlan: 0,
    jobsNotFinished: 0,
    jobsNotDeleted: 0,
    unfinishedJobsPerSourceHighWater: 1,
    existingJobsWithinQuota: true,
    expected: servers,
  };
}
