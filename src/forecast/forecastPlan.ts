import type { CompiledPlan } from "../plan/compiledPlan.ts";
import { orderForStart } from "../scheduler/waveDecision.ts";
import type { ForecastSetup, PlanForecast, Throughput } from "./forecastModel.ts";
import { runForecast } from "./runForecast.ts";

/** Sampled runs a forecast makes unless told otherwise. */
export const DEFAULT_SAMPLES = 50;

export interface PlanForecastOptions {
  now: number;
  /** Bytes each server's job copies, by server key; a missing server counts as empty. */
  sizes: ReadonlyMap<string, number>;
  /** Source names by server key, for the servers' labels. */
  names?: ReadonlyMap<string, string>;
  /** The account's quota. */
  quota: number;
  /** Slots held by other plans and other tools, taken to stay held. */
  heldByOthers?: number;
  maxRunningJobs?: number;
  throughput: Throughput;
  seed: number;
  samples?: number;
  /** When unapproved gates count as approved; the forecast's start when absent. */
  gatesApprovedAt?: number;
}

/** A plan not started yet, forecast from its start (`now`). */
export function forecastPlan(plan: CompiledPlan, options: PlanForecastOptions): PlanForecast {
  const gatesAt = options.gatesApprovedAt ?? options.now;
  const heldByOthers = options.heldByOthers ?? 0;
  const capacity = Math.max(1, Math.min(plan.policy.maxJobs, options.quota - heldByOthers));
  const setup: ForecastSetup = {
    now: options.now,
    capacity,
    ...(options.maxRunningJobs === undefined ? {} : { maxRunningJobs: options.maxRunningJobs }),
    pollIntervalMs: plan.policy.pollIntervalMs,
    throughput: options.throughput,
    seed: options.seed,
    samples: options.samples ?? DEFAULT_SAMPLES,
    assumptions: planAssumptions(plan, { gatesAt, heldByOthers, now: options.now }),
    waves: plan.waves.map((wave) => {
      const entries = wave.servers.map((server, index) => ({
        server,
        index,
        sizeBytes: options.sizes.get(server.key) ?? 0,
      }));
      return {
        name: wave.name,
        ...(wave.window ? { window: wave.window } : {}),
        ...(wave.notBefore === undefined ? {} : { notBefore: wave.notBefore }),
        ...(wave.cutover ? { cutover: wave.cutover } : {}),
        ...(wave.gate === "manual" ? { gateOpensAt: gatesAt } : {}),
        servers: orderForStart(entries, wave.order).map(({ server, sizeBytes }) => ({
          label: options.names?.get(server.key) ?? server.ref.name ?? server.key,
          sizeBytes,
          incremental: server.settings.runOnce === false,
          phase: { kind: "pending" as const },
        })),
      };
    }),
  };
  return runForecast(setup);
}

/** What the forecast takes for granted about a plan, in words an operator reads. */
export function planAssumptions(
  plan: CompiledPlan,
  context: { gatesAt: number; heldByOthers: number; now: number },
): string[] {
  const assumptions: string[] = [];
  const gated = plan.waves.filter((wave) => wave.gate === "manual").map((wave) => wave.name);
  if (gated.length > 0) {
    const when =
      context.gatesAt <= context.now ? "now" : `at ${new Date(context.gatesAt).toISOString()}`;
    assumptions.push(
      `gates of ${gated.join(", ")} not yet approved are taken as approved ${when} (a wave still waits for the previous one)`,
    );
  }
  const manual = plan.waves.filter((wave) => wave.cutover?.mode === "manual").map((w) => w.name);
  if (manual.length > 0) {
    assumptions.push(
      `manual cut-overs of ${manual.join(", ")} are taken to happen as soon as each server is in sync`,
    );
  }
  if (context.heldByOthers > 0) {
    assumptions.push(
      `${context.heldByOthers} quota slot(s) held by other plans and tools are taken to stay held`,
    );
  }
  assumptions.push("every server succeeds: failures, restarts and retries are not modelled");
  return assumptions;
}
