import type { PlanDetail } from "../orchestrator/views.ts";
import type { ApiClient } from "./apiClient.ts";
import { LINES_PER_KIND, type PlanWithServers, type ServerRow } from "./planProgress.ts";

/**
 * The plan's summary with, per wave, the servers a person must look at, fetched a page per kind
 * and only where the wave's counts say there are some: failed, waiting for something of their own,
 * keeping a job in the account, and (on a terminal) running. One more than is shown is asked for,
 * so the report can say there are more. A large plan costs a few small requests per wave.
 */
export async function planWithAttention(
  api: ApiClient,
  planId: string,
  tty: boolean,
): Promise<PlanWithServers & Pick<PlanDetail, "history">> {
  const plan = await api.getPlan(planId);
  const waves = await Promise.all(
    plan.waves.map(async (wave) => {
      const page = async (filter: Record<string, string>, wanted: boolean) =>
        wanted
          ? (
              await api.serverPage(planId, {
                wave: wave.name,
                limit: String(LINES_PER_KIND + 1),
                ...filter,
              })
            ).servers
          : [];
      const { counts } = wave;
      const unfinished = counts.pending + counts.creating + counts.running + counts.syncing;
      const ended = counts.succeeded + counts.failed + counts.cancelled + counts.skipped;
      const lists = await Promise.all([
        page({ status: "failed" }, counts.failed > 0),
        page({ waiting: "true" }, unfinished > 0),
        page({ kept: "true" }, ended > 0),
        page({ status: "running" }, tty && counts.running > 0),
      ]);
      const seen = new Set<number>();
      const servers: ServerRow[] = lists.flat().filter((server) => {
        if (seen.has(server.index)) return false;
        seen.add(server.index);
        return true;
      });
      return { ...wave, servers };
    }),
  );
  return { ...plan, waves };
}
