import { type WaitReason, waits } from "../lifecycle/reasons.ts";
import { isEnded, SERVER_STATUSES } from "../lifecycle/statuses.ts";
import type { Cutover } from "../plan/compiledPlan.ts";
import type { MigrationStore } from "./store/migrationStore.ts";
import { allIndexes, toCounts } from "./store/planLayout.ts";
import type { QuotaLedger } from "./store/quotaLedger.ts";
import type { ServerStore } from "./store/serverStore.ts";
import {
  optional,
  type PlanRecord,
  type ServerRecord,
  type WaveRecord,
} from "./store/storeRecords.ts";
import type {
  PlanSummary,
  PlanView,
  ServerCounts,
  ServerView,
  StatusReason,
  WaveCutoverView,
  WaveSummary,
} from "./views.ts";

interface Stores {
  store: MigrationStore;
  servers: ServerStore;
  ledger: QuotaLedger;
  /** World time: how old an incremental server's last sync is. */
  clock: { now(): number };
}

/**
 * A plan as the API, the CLI and the view see it. Summaries come from the waves' counters (a few
 * reads whatever the plan's size); the full view reads every server. Waiting reasons are shown
 * where a person looks: a server's own, else its plan's pause, else its wave's hold, else the wave
 * it waits for.
 */
export async function planSummary(
  { store, servers }: Stores,
  planId: string,
): Promise<PlanSummary | undefined> {
  const plan = await store.getPlan(planId);
  if (!plan) return undefined;
  const [waves, counts] = await Promise.all([store.getWaves(plan), servers.allWaveCounts(plan)]);
  const summaries = waveSummaries(plan, waves, counts);
  return { ...planHeader(plan), counts: sumCounts(counts), waves: summaries };
}

export async function planView(stores: Stores, planId: string): Promise<PlanView | undefined> {
  const { store } = stores;
  const plan = await store.getPlan(planId);
  if (!plan) return undefined;
  const indexes = allIndexes(plan.spec);
  const [waves, counts, servers, histories, history] = await Promise.all([
    store.getWaves(plan),
    stores.servers.allWaveCounts(plan),
    stores.servers.getServers(planId, indexes),
    stores.servers.histories(planId, indexes),
    store.planHistory(planId),
  ]);
  const summaries = waveSummaries(plan, waves, counts);
  const views = await serverViews(stores, { plan, waves, summaries }, servers);
  return {
    ...planHeader(plan),
    counts: sumCounts(counts),
    history,
    waves: summaries.map((wave) => ({
      ...wave,
      servers: views
        .filter((server) => server.wave === wave.name)
        .map((server) => ({ ...server, history: histories[server.index] ?? [] })),
    })),
  };
}

/** What a server's view needs of its plan: the record, its waves' records and their summaries. */
export interface PlanContext {
  plan: PlanRecord;
  waves: readonly WaveRecord[];
  summaries: readonly WaveSummary[];
}

/** The plan with its waves' records and summaries, read from a few keys whatever its size. */
export async function planContext(
  { store, servers }: Stores,
  planId: string,
): Promise<PlanContext | undefined> {
  const plan = await store.getPlan(planId);
  if (!plan) return undefined;
  const [waves, counts] = await Promise.all([store.getWaves(plan), servers.allWaveCounts(plan)]);
  return { plan, waves, summaries: waveSummaries(plan, waves, counts) };
}

/**
 * Servers as people see them (without their histories), each with its `index` in the plan. A
 * server's "source held" reason is written when admission last looked; one whose source is free
 * again (admission stopped at the quota before it) shows its wave's reason instead.
 */
export async function serverViews(
  stores: Pick<Stores, "ledger" | "clock">,
  { plan, waves, summaries }: PlanContext,
  servers: ServerRecord[],
): Promise<Omit<ServerView, "history">[]> {
  const heldWaits = servers.filter(
    (server) => server.status === "pending" && server.waiting?.code.startsWith("SourceHeld."),
  );
  const held = await stores.ledger.heldSources(
    plan.spec.account,
    heldWaits.flatMap((server) => (server.sourceId ? [server.sourceId] : [])),
  );
  for (const server of heldWaits) {
    if (!held.has(server.sourceId ?? "")) delete server.waiting;
  }
  const now = stores.clock.now();
  const incremental = new Set(
    plan.spec.waves.flatMap((wave) =>
      wave.servers.filter((server) => server.settings.runOnce === false).map((s) => s.key),
    ),
  );
  return servers.map((server) => ({
    ...serverView(plan, server, summaries),
    ...(incremental.has(server.key) ? incrementalView(server, waves[server.wave], now) : {}),
  }));
}

function waveSummaries(
  plan: PlanRecord,
  waves: readonly WaveRecord[],
  counts: readonly ServerCounts[],
): WaveSummary[] {
  return plan.spec.waves.map((wave, index) => {
    const record = waves[index] ?? { status: "pending" as const };
    const waveCounts = counts[index] ?? sumCounts([]);
    // A paused plan's current wave shows as paused through its plan's waiting reason; its stored
    // status stays running, so resume needs no second write.
    const paused = plan.status === "paused" && index === plan.wave ? plan.waiting : undefined;
    const waiting =
      isEnded("wave", record.status) || isEnded("plan", plan.status)
        ? undefined
        : (paused ?? record.waiting ?? earlierWave(plan, index));
    return {
      name: wave.name,
      index,
      status: record.status,
      counts: waveCounts,
      ...reasonOf(record),
      ...optional("waiting", waiting),
      ...optional("startedAt", record.startedAt),
      ...optional("finishedAt", record.finishedAt),
      ...(wave.gate
        ? {
            gate: {
              ...optional("approvedBy", record.approvedBy),
              ...optional("approvedAt", record.approvedAt),
            },
          }
        : {}),
      ...(wave.cutover ? { cutover: waveCutoverView(wave.cutover, record) } : {}),
    };
  });
}

function waveCutoverView(cutover: Cutover, record: WaveRecord): WaveCutoverView {
  return {
    mode: cutover.mode,
    syncData: cutover.syncData,
    onTimeout: cutover.onTimeout,
    ...(cutover.window
      ? {
          window: {
            cron: cutover.window.cron,
            timezone: cutover.window.timezone,
            durationMs: cutover.window.durationMs,
          },
        }
      : {}),
    ...optional("requestedBy", record.cutoverRequest?.by),
    ...optional("requestedAt", record.cutoverRequest?.at),
  };
}

/** An incremental server's syncs and cut-over, once there is something to say about them. */
function incrementalView(
  server: ServerRecord,
  wave: WaveRecord | undefined,
  now: number,
): Pick<ServerView, "sync" | "cutover"> {
  const view: Pick<ServerView, "sync" | "cutover"> = {};
  if (server.syncRuns !== undefined) {
    const inSync = server.status === "syncing" || server.status === "cutting-over";
    view.sync = {
      runs: server.syncRuns,
      ...optional("lastAt", server.lastSyncAt),
      ...optional("lastImageId", server.lastSyncImageId),
      ...(inSync && server.lastSyncAt !== undefined
        ? { ageMs: Math.max(0, now - server.lastSyncAt) }
        : {}),
    };
  }
  const request = server.cutoverRequest ?? wave?.cutoverRequest;
  const cut = server.cutover;
  if (cut || request) {
    view.cutover = {
      ...optional("requestedBy", request?.by),
      ...optional("requestedAt", request?.at),
      ...(cut
        ? {
            by: cut.by,
            startedAt: cut.startedAt,
            syncData: cut.syncData,
            ...optional("acceptedAt", cut.acceptedAt),
            ...optional("finishedAt", cut.finishedAt),
            ...optional("imageId", cut.imageId),
            ...(cut.overran ? { overran: true } : {}),
          }
        : {}),
    };
  }
  return view;
}

/** A wave after the current one waits for it. */
function earlierWave(plan: PlanRecord, index: number): WaitReason | undefined {
  const current = plan.spec.waves[plan.wave];
  if (index <= plan.wave || !current) return undefined;
  return { ...waits.earlierWave(current.name), since: plan.startedAt ?? plan.submittedAt };
}

function planHeader(plan: PlanRecord): Omit<PlanSummary, "counts" | "waves"> {
  return {
    id: plan.id,
    name: plan.spec.name,
    regionId: plan.spec.regionId,
    account: plan.spec.account,
    status: plan.status,
    submittedAt: plan.submittedAt,
    ...reasonOf(plan),
    ...optional("waiting", isEnded("plan", plan.status) ? undefined : plan.waiting),
    ...optional("startedAt", plan.startedAt),
    ...optional("finishedAt", plan.finishedAt),
  };
}

function reasonOf(record: { reasonCode?: string; reason?: string }): { reason?: StatusReason } {
  if (!record.reason && !record.reasonCode) return {};
  return {
    reason: {
      ...optional("code", record.reasonCode),
      message: record.reason ?? "",
    },
  };
}

function serverView(
  plan: PlanRecord,
  server: ServerRecord,
  waves: readonly WaveSummary[],
): Omit<ServerView, "history"> {
  const ended = isEnded("server", server.status);
  const waiting = ended
    ? undefined
    : (server.waiting ??
      (server.status === "pending" ? (plan.waiting ?? waves[server.wave]?.waiting) : undefined));
  return {
    index: server.index,
    key: server.key,
    wave: plan.spec.waves[server.wave]?.name ?? String(server.wave),
    status: server.status,
    progress: server.progress,
    attempts: server.attempts,
    restarts: server.restarts,
    ...reasonOf(server),
    ...optional("waiting", waiting),
    ...optional("sourceId", server.sourceId),
    ...optional("name", server.name),
    ...optional("jobId", server.jobId),
    ...optional("jobStatus", server.jobStatus),
    ...optional("businessStatus", server.businessStatus),
    ...optional("imageId", server.imageId),
    ...optional("keptJob", server.keptJob),
    ...optional("startedAt", server.startedAt),
    ...optional("finishedAt", server.finishedAt),
  };
}

function sumCounts(counts: readonly ServerCounts[]): ServerCounts {
  const total = toCounts({});
  for (const wave of counts) for (const status of SERVER_STATUSES) total[status] += wave[status];
  return total;
}
