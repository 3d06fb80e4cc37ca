import { isEnded, type ServerCounts } from "../lifecycle/statuses.ts";
import type { PlanRecord, ServerRecord, WaveRecord } from "../orchestrator/store/storeRecords.ts";
import { decideWave, orderForStart } from "../scheduler/waveDecision.ts";
import type { ForecastServer, ForecastSetup, ForecastWave, PlanForecast } from "./forecastModel.ts";
import { DEFAULT_SAMPLES, type PlanForecastOptions, planAssumptions } from "./forecastPlan.ts";
import { runForecast } from "./runForecast.ts";

export interface PlanState {
  plan: Pick<PlanRecord, "id" | "spec" | "status">;
  /** One record per wave of the spec. */
  waves: readonly WaveRecord[];
  /** Every server of the plan, in any order. */
  servers: readonly ServerRecord[];
  counts: readonly ServerCounts[];
}

/**
 * The forecast of a plan that is under way: waves that ended keep their times, servers that ended
 * are left out, running jobs finish when their `Progress` says (`predictFinish`), servers in sync
 * wait for their cut-over, and the rest start as the daemon would start them. `sizes` fills in the
 * servers of waves that have not started (their sizes are recorded only when a wave starts).
 */
export function forecastFromState(state: PlanState, options: PlanForecastOptions): PlanForecast {
  const { plan } = state;
  const { now } = options;
  const incremental = new Set(
    plan.spec.waves.flatMap((wave) =>
      wave.servers.filter((s) => s.settings.runOnce === false).map((s) => s.key),
    ),
  );
  const forecastServer = (
    server: ServerRecord,
    sizeBytes: number,
    phase: ForecastServer["phase"],
  ): ForecastServer => ({
    label: server.name ?? server.key,
    sizeBytes,
    incremental: incremental.has(server.key),
    phase,
  });
  const gatesAt = options.gatesApprovedAt ?? now;
  const heldByOthers = options.heldByOthers ?? 0;
  const capacity = Math.max(1, Math.min(plan.spec.policy.maxJobs, options.quota - heldByOthers));
  const assumptions = planAssumptions(plan.spec, { gatesAt, heldByOthers, now });
  if (plan.status === "paused") assumptions.unshift("the paused plan is taken as resumed now");
  const byWave = new Map<number, ServerRecord[]>();
  for (const server of state.servers) {
    const list = byWave.get(server.wave) ?? [];
    list.push(server);
    byWave.set(server.wave, list);
  }
  const waves: ForecastWave[] = [];
  for (const [index, wave] of plan.spec.waves.entries()) {
    const record = state.waves[index] ?? { status: "pending" };
    const servers = byWave.get(index) ?? [];
    const base = {
      name: wave.name,
      ...(wave.window ? { window: wave.window } : {}),
      ...(wave.cutover ? { cutover: wave.cutover } : {}),
    };
    if (isEnded("wave", record.status) || isEnded("plan", plan.status)) {
      const finishedAt = record.finishedAt ?? now;
      waves.push({ ...base, startedAt: record.startedAt ?? finishedAt, finishedAt, servers: [] });
      continue;
    }
    if (record.status === "running") {
      const counts = state.counts[index];
      const draining =
        counts !== undefined && decideWave(counts, plan.spec.policy).kind === "drain";
      waves.push({
        ...base,
        startedAt: record.startedAt ?? now,
        servers: runningWaveServers(servers, now, draining),
      });
      if (draining) {
        assumptions.push(
          `wave ${wave.name} has more failed servers than it tolerates: the plan halts once its jobs in flight end`,
        );
        break;
      }
      continue;
    }
    const approved = wave.gate !== "manual" || record.approvedAt !== undefined;
    const entries = servers
      .filter((server) => !isEnded("server", server.status))
      .map((server) => ({
        server,
        index: server.index,
        sizeBytes: server.sizeBytes || (options.sizes.get(server.key) ?? 0),
      }));
    const ordered = orderForStart(entries, wave.order);
    waves.push({
      ...base,
      ...(wave.notBefore === undefined ? {} : { notBefore: wave.notBefore }),
      ...(approved ? {} : { gateOpensAt: gatesAt }),
      servers: ordered.map(({ server, sizeBytes }) =>
        forecastServer(server, sizeBytes, { kind: "pending" }),
      ),
    });
  }
  const setup: ForecastSetup = {
    planId: plan.id,
    now,
    waves,
    capacity,
    ...(options.maxRunningJobs === undefined ? {} : { maxRunningJobs: options.maxRunningJobs }),
    pollIntervalMs: plan.spec.policy.pollIntervalMs,
    throughput: options.throughput,
    seed: options.seed,
    samples: options.samples ?? DEFAULT_SAMPLES,
    assumptions,
  };
  return runForecast(setup);

  /** A running wave's servers not ended: those in flight first, then the pending in rank order. */
  function runningWaveServers(
    servers: readonly ServerRecord[],
    at: number,
    draining: boolean,
  ): ForecastServer[] {
    const inFlight: ForecastServer[] = [];
    const pending: ServerRecord[] = [];
    for (const server of servers) {
      const size = server.sizeBytes || (options.sizes.get(server.key) ?? 0);
      switch (server.status) {
        case "pending":
          if (!draining) pending.push(server);
          break;
        case "creating":
          inFlight.push(forecastServer(server, size, { kind: "creating", since: at }));
          break;
        case "running":
          inFlight.push(
            forecastServer(
              server,
              size,
              server.startRequested && server.startedAt !== undefined
                ? { kind: "running", startedAt: server.startedAt, progress: server.progress }
                : { kind: "creating", since: at },
            ),
          );
          break;
        case "syncing":
          inFlight.push(
            forecastServer(server, size, {
              kind: "syncing",
              since: server.lastSyncAt ?? at,
            }),
          );
          break;
        case "cutting-over":
          inFlight.push(
            forecastServer(server, size, {
              kind: "cutting-over",
              since: server.cutover?.startedAt ?? at,
            }),
          );
          break;
        default:
          // Ended, or stopping after a cancel: nothing more of it to forecast.
          break;
      }
    }
    pending.sort((a, b) => (a.rank ?? a.index) - (b.rank ?? b.index));
    return [
      ...inFlight,
      ...pending.map((server) =>
        forecastServer(server, server.sizeBytes || (options.sizes.get(server.key) ?? 0), {
          kind: "pending",
        }),
      ),
    ];
  }
}
