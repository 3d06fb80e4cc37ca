import type { ServerStatus } from "../lifecycle/statuses.ts";
import { PlanTargetError } from "./planErrors.ts";
import { type PlanContext, planContext, serverViews } from "./planViews.ts";
import type { MigrationStore } from "./store/migrationStore.ts";
import type { QuotaLedger } from "./store/quotaLedger.ts";
import type { ServerStore } from "./store/serverStore.ts";
import type { ServerPage, ServerQuery } from "./views.ts";

interface Stores {
  store: MigrationStore;
  servers: ServerStore;
  ledger: QuotaLedger;
  clock: { now(): number };
}

/**
 * Servers a filtered page looks at per round trip: their status, waiting reason and kept job are
 * read first (three fields each), and only the matches are read whole.
 */
const SCAN_CHUNK = 500;

/**
 * Servers a filtered page looks at, at most, per request: a sparse filter over a large plan answers
 * a short (even empty) page with a cursor instead of reading every server in one request.
 */
const SCAN_LIMIT = 5_000;

/**
 * One page of a plan's servers, in plan order: of one wave or of the whole plan, optionally only
 * those in given statuses, waiting for something of their own, or with a job kept in the account.
 * The cursor is a position in that order, so pages never repeat or skip a server whatever changes
 * between requests (a server that changes status may move in or out of a filter, as it should).
 * Reads `limit` servers unfiltered; filtered, at most SCAN_LIMIT servers' three small fields.
 */
export async function serverPage(
  stores: Stores,
  planId: string,
  query: ServerQuery,
): Promise<ServerPage | undefined> {
  const context = await planContext(stores, planId);
  if (!context) return undefined;
  const { plan } = context;
  const scope = scopeOf(context, query.wave);
  const filtered = query.statuses !== undefined || query.waiting || query.kept;
  const picked: number[] = [];
  let position = query.cursor;
  if (!filtered) {
    const end = Math.min(scope.count, position + query.limit);
    for (; position < end; position++) picked.push(scope.first + position);
  } else {
    const scanEnd = Math.min(scope.count, position + SCAN_LIMIT);
    while (position < scanEnd && picked.length < query.limit) {
      const chunk = Math.min(SCAN_CHUNK, scanEnd - position);
      const fields = await stores.servers.serverFields(planId, scope.first + position, chunk);
      for (const [offset, server] of fields.entries()) {
        if (matches(server, query)) picked.push(scope.first + position + offset);
        if (picked.length === query.limit) {
          position += offset + 1;
          break;
        }
      }
      if (picked.length < query.limit) position += chunk;
    }
  }
  const records = await stores.servers.getServers(planId, picked);
  const views = await serverViews(stores, context, records);
  const histories = query.history ? await stores.servers.histories(planId, picked) : [];
  const counted = query.waiting || query.kept ? undefined : totalOf(context, scope.wave, query);
  return {
    planId,
    ...(scope.wave === undefined ? {} : { wave: plan.spec.waves[scope.wave]?.name ?? "" }),
    servers: views.map((view, i) => (query.history ? { ...view, history: histories[i] } : view)),
    ...(position < scope.count ? { nextCursor: String(position) } : {}),
    ...(counted === undefined ? {} : { total: counted }),
  };
}

/** The servers a page walks: one wave's (by name) or the plan's, as a range of server numbers. */
function scopeOf(
  { plan }: PlanContext,
  waveName: string | undefined,
): { first: number; count: number; wave?: number } {
  const waves = plan.spec.waves;
  if (waveName === undefined)
    return { first: 0, count: waves.reduce((sum, wave) => sum + wave.servers.length, 0) };
  const wave = waves.findIndex((each) => each.name === waveName);
  if (wave < 0)
    throw new PlanTargetError(
      `plan ${plan.id} has no wave "${waveName}"; its waves: ${waves.map((each) => each.name).join(", ")}`,
    );
  const first = waves.slice(0, wave).reduce((sum, each) => sum + each.servers.length, 0);
  return { first, count: waves[wave]?.servers.length ?? 0, wave };
}

function matches(
  server: { status: ServerStatus; waiting: boolean; kept: boolean } | undefined,
  query: ServerQuery,
): boolean {
  if (!server) return false;
  if (query.statuses && !query.statuses.includes(server.status)) return false;
  if (query.waiting && !server.waiting) return false;
  if (query.kept && !server.kept) return false;
  return true;
}

/**
 * How many servers the query matches, from the waves' counts by status (read before the page's
 * servers, so it may lag a status change by one request).
 */
function totalOf({ summaries }: PlanContext, wave: number | undefined, query: ServerQuery): number {
  const counted = wave === undefined ? summaries : summaries.filter((each) => each.index === wave);
  let total = 0;
  for (const summary of counted) {
    for (const [status, count] of Object.entries(summary.counts) as [ServerStatus, number][]) {
      if (!query.statuses || query.statuses.includes(status)) total += count;
    }
  }
  return total;
}
