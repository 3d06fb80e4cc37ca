import { predictFinish } from "../forecast/jobEta.ts";
import { isEnded, type ServerStatus } from "../lifecycle/statuses.ts";
import { orderForStart } from "../scheduler/waveDecision.ts";
import type { OrchestratorContext } from "./context.ts";
import type { LiveForecast, PlanForecaster } from "./liveForecast.ts";
import { allIndexes } from "./store/planLayout.ts";

/**
 * How much longer than its median a job runs at P90, for a throughput spread (coefficient of
 * variation) of 0.15: 1 + 1.28 × 0.15.
 */
const P90_STRETCH = 1.19;

/** A server whose size is not known yet (its wave has not started) copies its system disk. */
const GIB = 1024 ** 3;

interface EstimateServer {
  label: string;
  status: ServerStatus;
  sizeBytes: number;
  /** World ms its job started; absent until it did. */
  startedAt?: number;
  progress: number;
}

interface EstimateWave {
  name: string;
  /** Set once the wave ended: it holds nothing and takes no time. */
  ended: boolean;
  /** Not ended, in start order (pending ones as admission takes them). */
  servers: EstimateServer[];
}

export interface EstimateInput {
  now: number;
  waves: EstimateWave[];
  /** Jobs the plan may hold at once: min(maxJobs, the account's quota). */
  slots: number;
  bytesPerSecond?: number;
}

/**
 * The plan's finish from where it stands, without the forecast's simulation: each running job ends
 * when its `Progress` says (jobEta's `predictFinish`), and each wave's remaining servers take the
 * earliest free slot, largest first, waves one after another. Windows, gates and cut-over windows
 * are not modelled. P90 stretches every remaining length by the throughput spread.
 */
export function estimateFinish(input: EstimateInput): LiveForecast {
  const median = schedule(input, 1);
  const late = schedule(input, P90_STRETCH);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    asOf: iso(input.now),
    finish: { p50: iso(median.finish), p90: iso(late.finish) },
    waves: median.waves.map((wave, i) => ({
      name: wave.name,
      start: { p50: iso(wave.start), p90: iso(late.waves[i]?.start ?? wave.start) },
      finish: { p50: iso(wave.finish), p90: iso(late.waves[i]?.finish ?? wave.finish) },
    })),
    jobs: median.jobs.map((job) => ({
      wave: job.wave,
      server: job.server,
      create: iso(job.start),
      start: iso(job.start),
      finish: iso(job.finish),
      end: iso(job.finish),
    })),
  };
}

interface Scheduled {
  finish: number;
  waves: { name: string; start: number; finish: number }[];
  jobs: { wave: string; server: string; start: number; finish: number }[];
}

function schedule(input: EstimateInput, stretch: number): Scheduled {
  const { now } = input;
  // A job not started yet runs its size's length: predictFinish from 0 with no progress.
  const length = (sizeBytes: number) =>
    stretch * predictFinish({ startedAt: 0, progress: 0, sizeBytes }, 0, input.bytesPerSecond);
  const result: Scheduled = { finish: now, waves: [], jobs: [] };
  let waveStart = now;
  for (const wave of input.waves) {
    if (wave.ended) continue;
    // Slots free at these times; a wave starts once the previous one ended, so all are free then.
    const free: number[] = Array.from({ length: Math.max(1, input.slots) }, () => waveStart);
    let finish = waveStart;
    const place = (server: EstimateServer, from: number, end: number) => {
      result.jobs.push({ wave: wave.name, server: server.label, start: from, finish: end });
      finish = Math.max(finish, end);
    };
    for (const server of wave.servers.filter((s) => s.status !== "pending")) {
      const startedAt = server.startedAt ?? now;
      const predicted = predictFinish(
        { startedAt, progress: server.progress, sizeBytes: server.sizeBytes },
        now,
        input.bytesPerSecond,
      );
      const end = now + (predicted - now) * stretch;
      free.sort((a, b) => a - b);
      free[0] = Math.max(free[0] ?? now, end);
      place(server, startedAt, end);
    }
    for (const server of wave.servers.filter((s) => s.status === "pending")) {
      free.sort((a, b) => a - b);
      const from = free[0] ?? waveStart;
      const end = from + length(server.sizeBytes);
      free[0] = end;
      place(server, from, end);
    }
    result.waves.push({ name: wave.name, start: waveStart, finish });
    waveStart = finish;
    result.finish = finish;
  }
  return result;
}

/** The estimate over the store: the plan's servers, its account's quota and throughput. */
export function liveEstimate(ctx: OrchestratorContext): PlanForecaster {
  return async (planId) => {
    const plan = await ctx.store.getPlan(planId);
    if (!plan) return undefined;
    const [waves, servers] = await Promise.all([
      ctx.store.getWaves(plan),
      ctx.servers.getServers(planId, allIndexes(plan.spec)),
    ]);
    const account = ctx.accounts.get(plan.spec.account);
    return estimateFinish({
      now: ctx.clock.now(),
      slots: Math.min(plan.spec.policy.maxJobs, account?.quota ?? plan.spec.policy.maxJobs),
      ...(account?.throughputBytesPerSecond === undefined
        ? {}
        : { bytesPerSecond: account.throughputBytesPerSecond }),
      waves: plan.spec.waves.map((wave, index) => {
        const open = servers.filter((s) => s.wave === index && !isEnded("server", s.status));
        const disk = new Map(wave.servers.map((s) => [s.key, s.settings.systemDiskSize ?? 20]));
        const sized = open.map((s) => ({
          index: s.rank ?? s.index,
          sizeBytes: s.sizeBytes > 0 ? s.sizeBytes : (disk.get(s.key) ?? 20) * GIB,
          label: s.name ?? s.key,
          status: s.status,
          progress: s.progress,
          ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }),
        }));
        return {
          name: wave.name,
          ended: isEnded("wave", waves[index]?.status ?? "pending"),
          servers: orderForStart(sized, wave.order),
        };
      }),
    });
  };
}
