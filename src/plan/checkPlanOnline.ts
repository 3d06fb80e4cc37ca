import type { SmcClient } from "../smc/client.ts";
import type { CallOptions } from "../smc/requests.ts";
import { type SourceServer, UNFINISHED_JOB_STATUSES } from "../smc/types.ts";
import type { CompiledPlan, CompiledServer } from "./compiledPlan.ts";
import { quoteName } from "./planProblem.ts";
import { eachServer, resolveSources, type ServerProblem } from "./resolveSources.ts";

export interface OnlineCheck {
  /** Server key → source, for the servers that resolved (the dry run orders by their sizes). */
  sources: Map<string, SourceServer>;
  problems: ServerProblem[];
}

/**
 * What only the service can tell: every server resolves to exactly one source, which is
 * `Available`, has no unfinished job, has the data disks the plan names, and is not larger than
 * the disks the plan asks for.
 */
export async function checkPlanOnline(
  plan: CompiledPlan,
  client: Pick<SmcClient, "describeAllSourceServers" | "describeAllReplicationJobs">,
  options?: CallOptions,
): Promise<OnlineCheck> {
  const { sources, problems } = await resolveSources(plan, client, options);
  const sourceIds = [...sources.values()].map((source) => source.sourceId);
  const jobs =
    sourceIds.length === 0 ? [] : await client.describeAllReplicationJobs({ sourceIds }, options);
  const unfinished = new Map<string, string>();
  for (const job of jobs) {
    if (UNFINISHED_JOB_STATUSES.has(job.status)) {
      unfinished.set(job.sourceId, `${job.jobId} (${job.status})`);
    }
  }
  eachServer(plan, (server, path) => {
    const source = sources.get(server.key);
    if (source === undefined) return;
    const problem = (message: string) =>
      problems.push({ key: server.key, path, ...(server.at ? { at: server.at } : {}), message });
    const label = `${quoteName(source.name)} (${source.sourceId})`;
    if (source.state !== "Available") {
      problem(
        `Source ${label} is ${source.state}; SMC creates jobs only for Available sources${source.errorCode ? ` (error ${source.errorCode})` : ""}`,
      );
    }
    const job = unfinished.get(source.sourceId);
    if (job !== undefined) {
      problem(`Source ${label} already has the unfinished job ${job}; SMC allows one per source`);
    }
    for (const message of diskProblems(server, source, label)) problem(message);
  });
  return { sources, problems };
}

function diskProblems(server: CompiledServer, source: SourceServer, label: string): string[] {
  const messages: string[] = [];
  const { systemDiskSize, dataDisks = [] } = server.settings;
  if (systemDiskSize < source.systemDiskSize) {
    messages.push(
      `\`systemDiskSize\` ${systemDiskSize} GiB is smaller than the system disk of ${label} (${source.systemDiskSize} GiB)`,
    );
  }
  const onSource = new Map(source.dataDisks.map((disk) => [disk.index, disk]));
  for (const disk of dataDisks) {
    const existing = onSource.get(disk.index);
    if (existing === undefined) {
      const have = [...onSource.keys()].sort((a, b) => a - b).join(", ") || "none";
      messages.push(
        `Data disk index ${disk.index} does not exist on ${label} (its data disks: ${have})`,
      );
    } else if (disk.size < existing.size) {
      messages.push(
        `Data disk ${disk.index}: ${disk.size} GiB is smaller than the source's ${existing.size} GiB on ${label}`,
      );
    }
  }
  return messages;
}
