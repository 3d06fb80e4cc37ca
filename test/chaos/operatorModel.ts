import type { FaultSettings } from "../../src/emulator/faultInjector.ts";
import type { SeededRandom } from "../../src/emulator/seededRandom.ts";
import { PlanStateError } from "../../src/orchestrator/planErrors.ts";
import type { CompiledPlan, CompiledServer } from "../../src/plan/compiledPlan.ts";
import type { SourceServer } from "../../src/smc/types.ts";
import type { OperatorWorld } from "./operatorWorld.ts";

/**
 * The operator model: plans over overlapping sources, and random operations an operator (and the
 * world) applies to them, drawn from a seed. The sequence of operations depends on the seed alone,
 * never on what the world did, so a failing seed replays the same operations (their timing against
 * the daemons' work differs from run to run, as it would for a real operator).
 */

export const PLAN_NAMES = ["alpha", "bravo", "charlie"] as const;

/** Sources the plans draw from: fewer than the plans list together, so they share sources. */
const POOL = 10;

/**
 * Three plans of 4–8 servers in 1–3 waves over a pool of ten sources, each with its own policy:
 * sources are listed by id or by name, jobs deleted or kept, waves halting or going on. Plans are
 * as `validate` accepts them and the docs advise: `maxJobs` within the quota, and a plan that keeps
 * its jobs lists no more servers than its `maxJobs` (else it would wait for its own jobs forever).
 */
export function drawPlans(
  random: SeededRandom,
  sources: readonly SourceServer[],
  quota: number,
): CompiledPlan[] {
  const pool = sources.filter((source) => source.state === "Available").slice(0, POOL);
  if (pool.length < POOL) throw new Error(`the emulator has ${pool.length} available sources`);
  return PLAN_NAMES.map((name) => {
    const keep = random.next() < 0.3;
    const size = keep ? quota : random.int(4, 8);
    const chosen = shuffle(random, pool).slice(0, size);
    const waveCount = random.int(1, 3);
    const waves: CompiledServer[][] = Array.from({ length: waveCount }, () => []);
    chosen.forEach((source, position) => {
      // Every wave gets one first, then the rest at random.
      const wave = position < waveCount ? position : random.int(0, waveCount - 1);
      const byId = random.next() < 0.5;
      waves[wave]?.push({
        key: byId ? source.sourceId : `name:${source.name}`,
        ref: byId ? { sourceId: source.sourceId } : { name: source.name },
        settings: { systemDiskSize: Math.max(20, source.systemDiskSize), targetType: "Image" },
      });
    });
    return {
      name,
      regionId: "cn-hangzhou",
      account: "default",
      policy: {
        maxJobs: keep ? quota : random.int(2, quota),
        pollIntervalMs: 100,
        jobRestarts: random.int(0, 2),
        onFinish: keep ? "keep" : "delete",
        onWaveFailure: random.next() < 0.5 ? "halt" : "continue",
        maxFailedServers: random.int(0, 1),
      },
      waves: waves.map((servers, index) => ({
        name: `wave-${index + 1}`,
        order: random.next() < 0.5 ? "largestFirst" : "asListed",
        servers,
      })),
    } satisfies CompiledPlan;
  });
}

function shuffle<T>(random: SeededRandom, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export type Operation =
  | { kind: "submit"; plan: number }
  | { kind: "pause" | "resume" | "retry-failed" | "release"; plan: number }
  | { kind: "cancel"; plan: number; stopRunning: boolean }
  /** Kills the `daemon`-th live daemon (by start order). */
  | { kind: "kill"; daemon: number }
  | { kind: "restart" }
  | { kind: "faults"; faults: Partial<FaultSettings> }
  /** Calls go unanswered at `rate` for `ms`, then are answered again. */
  | { kind: "outage"; rate: number; ms: number }
  /** The operator does nothing for a while; the daemons work. */
  | { kind: "idle"; ms: number };

/** Weighted choices of the next operation; `submitted` plans are the ones plan operations target. */
export function drawOperation(
  random: SeededRandom,
  state: { submitted: ReadonlySet<number>; live: number },
): Operation {
  const unsubmitted = PLAN_NAMES.map((_, plan) => plan).filter(
    (plan) => !state.submitted.has(plan),
  );
  const submitted = [...state.submitted];
  const anyPlan = () => random.pick(submitted);
  const choices: [number, () => Operation][] = [
    [
      unsubmitted.length > 0 ? 4 : 0.2,
      // Submitting a plan again is allowed and changes nothing (same name, same content).
      () => ({
        kind: "submit",
        plan: random.pick(unsubmitted.length > 0 ? unsubmitted : submitted),
      }),
    ],
    [2, () => ({ kind: "pause", plan: anyPlan() })],
    [2, () => ({ kind: "resume", plan: anyPlan() })],
    [1.5, () => ({ kind: "cancel", plan: anyPlan(), stopRunning: random.next() < 0.5 })],
    [2, () => ({ kind: "retry-failed", plan: anyPlan() })],
    [1, () => ({ kind: "release", plan: anyPlan() })],
    [state.live > 0 ? 0.6 : 0, () => ({ kind: "kill", daemon: random.int(0, state.live - 1) })],
    [state.live < 2 ? 1.5 : 0, () => ({ kind: "restart" })],
    [
      1,
      () => ({
        kind: "faults",
        faults: {
          internalErrorRate: random.pick([0, 0.02, 0.05, 0.1]),
          throttlingRate: random.pick([0, 0.02, 0.05, 0.1]),
          jobErrorRate: random.pick([0, 0.1, 0.3]),
        },
      }),
    ],
    [0.4, () => ({ kind: "outage", rate: random.pick([0.5, 1]), ms: random.int(100, 700) })],
    [1, () => ({ kind: "idle", ms: random.int(200, 1_000) })],
  ];
  if (submitted.length === 0) return { kind: "submit", plan: random.pick(unsubmitted) };
  const total = choices.reduce((sum, [weight]) => sum + weight, 0);
  let draw = random.next() * total;
  for (const [weight, make] of choices) {
    draw -= weight;
    if (draw < 0 && weight > 0) return make();
  }
  return { kind: "idle", ms: 100 };
}

export function describeOperation(op: Operation): string {
  switch (op.kind) {
    case "submit":
    case "pause":
    case "resume":
    case "retry-failed":
    case "release":
      return `${op.kind} ${PLAN_NAMES[op.plan]}`;
    case "cancel":
      return `cancel ${PLAN_NAMES[op.plan]}${op.stopRunning ? " --stop-running" : ""}`;
    case "kill":
      return `kill live daemon #${op.daemon}`;
    case "restart":
      return "start a daemon";
    case "faults":
      return `faults ${JSON.stringify(op.faults)}`;
    case "outage":
      return `outage: ${op.rate * 100}% of calls unanswered for ${op.ms} ms`;
    case "idle":
      return `idle ${op.ms} ms`;
  }
}

/** What an operation did: `ok` with a word on the outcome, or refused with PlanStateError. */
export interface Outcome {
  ok: boolean;
  detail: string;
  /** Anything but success or PlanStateError: a defect the test reports. */
  unexpected?: unknown;
}

export async function applyOperation(
  world: OperatorWorld,
  plans: readonly CompiledPlan[],
  op: Operation,
  /** Picks the daemon an operator action goes through; a stream apart from the operations'. */
  via: SeededRandom,
): Promise<Outcome> {
  // Operator actions go through a live daemon's Migrations (what its HTTP API calls), else the
  // CLI's: either is the same code over the same Redis.
  const live = world.live();
  const migrations = live.length > 0 ? via.pick(live).migrations : world.reader.migrations;
  const planId = "plan" in op ? PLAN_NAMES[op.plan] : undefined;
  try {
    switch (op.kind) {
      case "submit": {
        const spec = plans[op.plan];
        if (!spec) throw new Error(`no plan ${op.plan}`);
        const result = await migrations.submit(spec);
        return {
          ok: true,
          detail: `${result.created ? "created" : "already there"}, ${result.warnings.length} shared-source warning(s)`,
        };
      }
      case "pause":
        return summaryOutcome(await migrations.pause(planId ?? ""));
      case "resume":
        return summaryOutcome(await migrations.resume(planId ?? ""));
      case "cancel":
        return summaryOutcome(
          await migrations.cancel(planId ?? "", { stopRunning: op.stopRunning }),
        );
      case "retry-failed":
        return summaryOutcome(await migrations.retryFailed(planId ?? ""));
      case "release": {
        const result = await migrations.release(planId ?? "");
        if (!result) return { ok: true, detail: "unknown plan" };
        return {
          ok: true,
          detail: `${result.deleted.length} deleted, ${result.remaining.length} left`,
        };
      }
      case "kill": {
        const daemon = live[op.daemon];
        if (!daemon) return { ok: true, detail: "no such live daemon" };
        await daemon.kill();
        return { ok: true, detail: `${daemon.name} killed` };
      }
      case "restart": {
        const daemon = await world.startDaemon();
        return { ok: true, detail: `${daemon.name} started` };
      }
      case "faults":
        world.emulator.setFaults(op.faults);
        return { ok: true, detail: "set" };
      case "outage":
        world.emulator.setFaults({ unansweredRate: op.rate });
        await sleep(op.ms);
        world.emulator.setFaults({ unansweredRate: 0 });
        return { ok: true, detail: "over" };
      case "idle":
        await sleep(op.ms);
        return { ok: true, detail: "" };
    }
  } catch (error) {
    if (error instanceof PlanStateError) return { ok: false, detail: error.message };
    return {
      ok: false,
      detail: `UNEXPECTED ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      unexpected: error,
    };
  }
}

function summaryOutcome(summary: { status: string } | undefined): Outcome {
  return { ok: true, detail: summary ? `now ${summary.status}` : "unknown plan" };
}

/** The driver's own pacing between operations (real time); never a wait for the world. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
