import type { HistoryEntry, Migrations, ServerView, WaveSummary } from "../orchestrator/views.ts";

/** What a report is made of: the plan's waves with every server, and its history. */
export interface ReportPlan {
  id: string;
  history: readonly HistoryEntry[];
  waves: readonly (Pick<WaveSummary, "name" | "gate"> & {
    servers: readonly Omit<ServerView, "history">[];
  })[];
}

/** One line of a plan's report: what happened to one server. Times are ISO 8601 UTC. */
export interface ReportRow {
  sourceId: string;
  name: string;
  wave: string;
  status: string;
  jobId: string;
  imageId: string;
  startedAt: string;
  finishedAt: string;
  attempts: number;
  /** Why the server is in its status (`Code: message`): a failure, a cancel, its image. */
  reason: string;
  /** Why a server that has not ended is held up, empty when it is not. */
  waiting: string;
  /** Why its job is still in the account although the server ended, empty when it is not. */
  keptJob: string;
  /** Runs of an incremental job (the full copy, each re-sync, the final sync); 0 for others. */
  syncs: number;
  /** When its newest run ended. */
  lastSyncAt: string;
  /** On whose word it was cut over (a person, `window`, `immediate`), and when it finished. */
  cutoverBy: string;
  cutoverAt: string;
  /** Who approved its wave's gate, and when; empty for a wave without one. */
  approvedBy: string;
  approvedAt: string;
}

export const REPORT_COLUMNS: ReadonlyArray<keyof ReportRow> = [
  "sourceId",
  "name",
  "wave",
  "status",
  "jobId",
  "imageId",
  "startedAt",
  "finishedAt",
  "attempts",
  "reason",
  "waiting",
  "keptJob",
  "syncs",
  "lastSyncAt",
  "cutoverBy",
  "cutoverAt",
  "approvedBy",
  "approvedAt",
];

const iso = (epochMs: number | undefined) =>
  epochMs === undefined ? "" : new Date(epochMs).toISOString();

export function reportRows(plan: ReportPlan): ReportRow[] {
  return plan.waves.flatMap((wave) =>
    wave.servers.map((server) => ({
      sourceId: server.sourceId ?? "",
      name: server.name ?? "",
      wave: wave.name,
      status: server.status,
      jobId: server.jobId ?? "",
      imageId: server.imageId ?? "",
      startedAt: iso(server.startedAt),
      finishedAt: iso(server.finishedAt),
      attempts: server.attempts,
      reason: server.reason
        ? [server.reason.code, server.reason.message].filter(Boolean).join(": ")
        : "",
      waiting: server.waiting?.message ?? "",
      keptJob: server.keptJob ?? "",
      syncs: server.sync?.runs ?? 0,
      lastSyncAt: iso(server.sync?.lastAt),
      cutoverBy: server.cutover?.by ?? "",
      cutoverAt: iso(server.cutover?.finishedAt),
      approvedBy: wave.gate?.approvedBy ?? "",
      approvedAt: iso(wave.gate?.approvedAt),
    })),
  );
}

/** One thing a person did to the plan (submit, pause, resume, cancel, retry, release, approve, cut over). */
export interface ActionRow {
  /** ISO 8601 UTC. */
  at: string;
  /** The token's name (`admin` for SMC_WAVES_API_TOKEN, `anonymous` on an open daemon). */
  by: string;
  /** What it did, as the plan's history names it: `plan:paused`, `plan:cancelling`, `wave:approved`. */
  event: string;
  detail: string;
}

const ACTION_COLUMNS: ReadonlyArray<keyof ActionRow> = ["at", "by", "event", "detail"];

/** The plan's audit trail: every entry of its history that names who did it, oldest first. */
export function reportActions(plan: ReportPlan): ActionRow[] {
  return plan.history
    .filter((entry) => entry.by !== undefined)
    .map((entry) => ({
      at: iso(entry.at),
      by: entry.by ?? "",
      event: entry.event,
      detail: entry.detail ?? "",
    }));
}

/**
 * RFC 4180 CSV (CRLF lines, quotes doubled). Text that a spreadsheet would run as a formula (starting
 * with `=`, `+`, `-`, `@`) gets a leading `'`: error messages come from a remote service.
 */
function toCsv<Row extends object>(
  columns: ReadonlyArray<keyof Row & string>,
  rows: readonly Row[],
): string {
  const cell = (value: unknown) => {
    if (typeof value === "number") return String(value);
    const text = String(value ?? "");
    const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((column) => cell(row[column])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

export const reportCsv = (rows: readonly ReportRow[]): string => toCsv(REPORT_COLUMNS, rows);

export const actionsCsv = (rows: readonly ActionRow[]): string => toCsv(ACTION_COLUMNS, rows);

/** Servers a report reads per page. */
const REPORT_PAGE = 500;

/**
 * The report's plan: its summary with its whole history, and every server read a page at a time
 * without its history, so a large plan's report never builds the full view.
 */
export async function reportPlan(
  migrations: Migrations,
  planId: string,
): Promise<ReportPlan | undefined> {
  const detail = await migrations.planDetail(planId, { fullHistory: true });
  if (!detail) return undefined;
  const byWave = new Map<string, ReportPlan["waves"][number]["servers"][number][]>(
    detail.waves.map((wave) => [wave.name, []]),
  );
  let cursor: number | undefined = 0;
  while (cursor !== undefined) {
    const page = await migrations.serverPage(planId, { cursor, limit: REPORT_PAGE });
    for (const server of page?.servers ?? []) byWave.get(server.wave)?.push(server);
    cursor = page?.nextCursor === undefined ? undefined : Number(page.nextCursor);
  }
  return {
    id: detail.id,
    history: detail.history,
    waves: detail.waves.map((wave) => ({ ...wave, servers: byWave.get(wave.name) ?? [] })),
  };
}
