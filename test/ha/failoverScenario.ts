import type { PlanView } from "../../src/orchestrator/views.ts";
import type { DaemonProcess } from "../chaos/daemonProcess.ts";
import type { HaWorld } from "./haWorld.ts";
import { waitFor } from "./redisProcesses.ts";

/** What a failover test needs of a Redis deployment, Sentinel or Cluster. */
export interface FailoverTarget {
  /** SIGKILLs the master holding our keys; resolves with its port. */
  killMaster(): Promise<number>;
  /** Waits until another node is master for our keys; resolves with its port. */
  waitForNewMaster(oldPort: number, timeoutMs: number): Promise<number>;
  /** Starts the killed node again, as an operator would. */
  restart(port: number): Promise<void>;
  /** Waits until `port` is a replica whose first sync is done (so it can take over again). */
  waitForReplica(port: number, timeoutMs: number): Promise<void>;
  diagnostics(): string;
}

/** One kill of the master and what followed. */
interface Failover {
  oldMaster: number;
  newMaster: number;
  /** Jobs the emulator had created when the master was killed. */
  createdBeforeKill: number;
  /** From the kill until the deployment named a new master, ms. */
  failoverMs: number;
  /** From the kill until the daemons created or deleted a job again, ms. */
  resumedMs: number;
}

export interface FailoverRun {
  plan: PlanView;
  servers: number;
  daemons: DaemonProcess[];
  failovers: Failover[];
  /** From the first kill until the plan ended, ms. */
  endedMs: number;
}

/** Generous: an undisturbed run takes ~15 s on an idle machine; each failover adds a few seconds. */
const PLAN_DEADLINE_MS = 70_000;
const FAILOVER_DEADLINE_MS = 30_000;

/**
 * Two daemons run a plan. Once the first wave fills the quota, the master holding our keys is
 * killed with SIGKILL; when the replica has taken over, the killed node is started again (it
 * rejoins as a replica) and, a few jobs later, the new master is killed too, so the keys go back
 * to the first node. Nobody touches the daemons: they find each new master themselves, and the
 * plan must end.
 */
export async function migrateThroughFailovers(
  world: HaWorld,
  target: FailoverTarget,
  name: string,
  waves: readonly number[],
): Promise<FailoverRun> {
  const daemons = await Promise.all([world.fleet.start(), world.fleet.start()]);
  const { planId, servers } = await world.submit(name, waves);
  const failovers: Failover[] = [];
  let firstKill: number | undefined;
  // The first kill when the quota is full, the second a few servers later.
  for (const createdJobs of [world.quota, world.quota + 6]) {
    await waitFor(
      () => world.emulator.stats().jobsCreated >= createdJobs,
      30_000,
      () => `the daemons never created ${createdJobs} jobs\n${world.fleet.diagnostics()}`,
    );
    const createdBeforeKill = world.emulator.stats().jobsCreated;
    const killedAt = Date.now();
    firstKill ??= killedAt;
    const oldMaster = await target.killMaster();
    const newMaster = await target.waitForNewMaster(oldMaster, FAILOVER_DEADLINE_MS);
    const failoverMs = Date.now() - killedAt;
    const progressAtFailover = world.progress();
    await waitFor(
      () => world.progress() > progressAtFailover,
      FAILOVER_DEADLINE_MS,
      () =>
        `the daemons made no progress after failover ${failovers.length + 1}\n${world.fleet.diagnostics()}\n${target.diagnostics()}`,
    );
    failovers.push({
      oldMaster,
      newMaster,
      createdBeforeKill,
      failoverMs,
      resumedMs: Date.now() - killedAt,
    });
    await target.restart(oldMaster);
    await target.waitForReplica(oldMaster, FAILOVER_DEADLINE_MS);
  }

  const plan = await world.waitForEnd(planId, PLAN_DEADLINE_MS);
  return { plan, servers, daemons, failovers, endedMs: Date.now() - (firstKill ?? Date.now()) };
}

/**
 * What a daemon's `/readyz` says now (its URL is in its "HTTP API listening" log line): its Redis
 * probe runs over the API's fail-fast connection, which must have followed the failovers too.
 */
export async function readiness(daemon: DaemonProcess): Promise<unknown> {
  const line = daemon
    .output()
    .split("\n")
    .find((text) => text.includes("HTTP API listening"));
  const url = line ? (JSON.parse(line) as { url?: string }).url : undefined;
  if (!url) throw new Error(`${daemon.name} never said where its API listens\n${daemon.tail()}`);
  const response = await fetch(`${url}/readyz`);
  const body = (await response.json()) as { ready?: boolean; redis?: { status?: string } };
  return { code: response.status, ready: body.ready, redis: body.redis?.status };
}

/** Connection errors a daemon logged one by one (a reconnect attempt each) instead of as an outage. */
const CONNECTION_NOISE =
  /ECONNREFUSED|Connection is closed|sentinels are unreachable|CLUSTERDOWN|Cluster redirections|slots cache/;

/**
 * How a daemon told its log about the failovers: the outage lines of its Redis health tracker
 * ("Redis unreachable", "Redis reachable again after 2.3 s"), and any warning or error that is a
 * connection error logged on its own, which an operator would have to wade through.
 */
export function outageLog(daemon: DaemonProcess): { outages: string[]; noise: string[] } {
  const entries = daemon
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } });
  return {
    outages: entries
      .map((entry) => entry.msg ?? "")
      .filter((msg) => /^Redis (unreachable|reachable again)/.test(msg))
      .map((msg) => msg.split(":")[0]?.replace(/ after .*/, "") ?? msg),
    noise: entries
      .filter((entry) => entry.level >= 40)
      .map((entry) => `${entry.msg}: ${entry.err?.message ?? ""}`)
      .filter((text) => CONNECTION_NOISE.test(text)),
  };
}

/** One line per run for the test output: the figures the report quotes. */
export function describeRun(world: HaWorld, run: FailoverRun): string {
  const stats = world.emulator.stats();
  const failovers = run.failovers.map(
    (f) =>
      `:${f.oldMaster} killed after ${f.createdBeforeKill} jobs, :${f.newMaster} master in ${f.failoverMs} ms, daemons resumed in ${f.resumedMs} ms`,
  );
  return `${failovers.join("; ")}; plan ended ${run.endedMs} ms after the first kill; emulator: ${stats.jobsCreated} jobs created, high water ${JSON.stringify(stats.highWater)}, ${stats.idempotentReplays} ClientToken replays`;
}
