import type { Orchestrator } from "../../src/orchestrator/orchestrator.ts";
import type { PlanView, ServerView } from "../../src/orchestrator/views.ts";
import type { CompiledPlan, CompiledWave, Cutover } from "../../src/plan/compiledPlan.ts";
import { type Clock, systemClock } from "../../src/platform/clock.ts";
import type { SmcClient } from "../../src/smc/client.ts";
import type { SourceServer } from "../../src/smc/types.ts";
import type { Harness } from "./migrationHarness.ts";

/**
 * What the incremental and cut-over tests share: a world clock that moves only when the test moves
 * it (so a window opens when the test says, whatever the machine's load), plans of small sources
 * with incremental waves, and reads of the emulator's own records.
 */

/** How many real ms one emulated ms "takes" for park delays on a clock the test moves. */
const NOMINAL_SCALE = 3_600;

/** A clock standing at `start` until the emulator's `advanceClock` moves it. */
export function standingClock(start: number): Clock {
  return {
    now: () => start,
    sleep: (ms, signal) => systemClock.sleep(ms / NOMINAL_SCALE, signal),
    realDelay: (ms) => ms / NOMINAL_SCALE,
  };
}

/** Moves world time by `stepMs` every `pauseMs` of real time until `done` holds (or throws). */
export async function stepUntil<T>(
  h: Harness,
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  options: { stepMs: number; pauseMs?: number; maxSteps?: number },
): Promise<T> {
  const maxSteps = options.maxSteps ?? 2_000;
  for (let step = 0; ; step++) {
    const value = await read();
    if (done(value)) return value;
    if (step >= maxSteps)
      throw new Error(`${what}: not after ${maxSteps} steps; still ${JSON.stringify(value)}`);
    if (options.stepMs > 0) h.emulator.advanceClock(options.stepMs);
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 40));
  }
}

/** Waits (world time standing) until `done` holds: for what only the daemon has to do. */
export function waitFor<T>(
  h: Harness,
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
): Promise<T> {
  return stepUntil(h, what, read, done, { stepMs: 0, pauseMs: 50, maxSteps: 1_200 });
}

/** Sources whose full copy takes an emulated hour or two: the tests count runs, not bytes. */
export async function smallSources(client: SmcClient, count: number): Promise<SourceServer[]> {
  const sources = (await client.describeAllSourceServers({})).filter(
    (source) => source.state === "Available" && source.systemDiskSize <= 120,
  );
  if (sources.length < count)
    throw new Error(`wanted ${count} small sources, the emulator has ${sources.length}`);
  return sources.slice(0, count);
}

export interface WaveShape {
  name: string;
  sources: readonly SourceServer[];
  /** Incremental servers re-syncing every `frequency` hours, cut over as `cutover` says. */
  incremental?: { frequency: number; cutover: Cutover };
  gate?: "manual";
}

export function incrementalPlan(
  name: string,
  waves: readonly WaveShape[],
  policy: Partial<CompiledPlan["policy"]> = {},
): CompiledPlan {
  return {
    name,
    regionId: "cn-hangzhou",
    account: "default",
    policy: {
      maxJobs: 10,
      pollIntervalMs: 100,
      jobRestarts: 3,
      onFinish: "delete",
      onWaveFailure: "halt",
      maxFailedServers: 0,
      ...policy,
    },
    waves: waves.map((shape): CompiledWave => {
      const wave: CompiledWave = {
        name: shape.name,
        order: "asListed",
        servers: shape.sources.map((source) => ({
          key: `name:${source.name}`,
          ref: { name: source.name },
          settings: {
            systemDiskSize: Math.max(20, source.systemDiskSize),
            targetType: "Image" as const,
            ...(shape.incremental
              ? {
                  runOnce: false,
                  frequency: shape.incremental.frequency,
                  maxNumberOfImageToKeep: 2,
                }
              : {}),
          },
        })),
      };
      if (shape.incremental) wave.cutover = shape.incremental.cutover;
      if (shape.gate) wave.gate = shape.gate;
      return wave;
    }),
  };
}

export const allServers = (view: PlanView | undefined): ServerView[] =>
  view?.waves.flatMap((wave) => wave.servers) ?? [];

export function waveOf(view: PlanView | undefined, name: string) {
  return view?.waves.find((wave) => wave.name === name);
}

export const viewOf = (daemon: Orchestrator, planId: string) => () =>
  daemon.migrations.getPlan(planId);

/** Every image the emulator made for a job, oldest first, with the run type that made it. */
export async function imagesOf(
  h: Harness,
  jobId: string,
): Promise<{ imageId: string; createdAt: string; runType: string; deletedAt: string | null }[]> {
  const response = await fetch(`${h.emulator.url}/_emulator/images?jobId=${jobId}`);
  return (await response.json()) as {
    imageId: string;
    createdAt: string;
    runType: string;
    deletedAt: string | null;
  }[];
}

/** History events of a server, in order. */
export const eventsOf = (server: ServerView | undefined) =>
  server?.history.map((entry) => entry.event) ?? [];
