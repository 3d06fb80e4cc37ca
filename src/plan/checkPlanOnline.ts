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
 * `Available`, has no unfinished job, has the data disks the plan names, and whose partitions fit
 * the disks the plan asks for (as CreateReplicationJob will judge them).
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

const GIB = 1024 ** 3;
/** The contract's least SystemDiskSize (GiB). */
const SYSTEM_DISK_MIN_GIB = 20;

const totalBytes = (parts: ReadonlyArray<{ sizeBytes: number }>) =>
  parts.reduce((sum, part) => sum + part.sizeBytes, 0);
const gib = (bytes: number) => (bytes / GIB).toFixed(2);

/**
 * CreateReplicationJob's rule (the emulator's jobConsistency.ts): a disk's partitions must fit in
 * it, and partitions the plan leaves out are the source's, so a disk smaller than the source's is
 * refused unless `systemDiskParts` / `parts` shrink it. Partitions the plan gives are checked
 * offline (serverRules.ts); here only the source's, with the least size that holds them.
 */
function diskProblems(server: CompiledServer, source: SourceServer, label: string): string[] {
  const messages: string[] = [];
  const { systemDiskSize, systemDiskParts, dataDisks = [] } = server.settings;
  const systemBytes = totalBytes(source.systemDiskParts);
  if (systemDiskParts === undefined && systemBytes > systemDiskSize * GIB) {
    const least = Math.max(SYSTEM_DISK_MIN_GIB, Math.ceil(systemBytes / GIB));
    messages.push(
      `\`systemDiskSize\` ${systemDiskSize} GiB cannot hold the system disk partitions of ${label} (${gib(systemBytes)} GiB): use at least ${least} GiB, or shrink them with \`systemDiskParts\``,
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
      continue;
    }
    const bytes = totalBytes(existing.parts);
    if ((disk.parts === undefined || disk.parts.length === 0) && bytes > disk.size * GIB) {
      messages.push(
        `Data disk ${disk.index}: ${disk.size} GiB cannot hold the partitions of data disk ${disk.index} of ${label} (${gib(bytes)} GiB): use at least ${Math.ceil(bytes / GIB)} GiB, or shrink them with \`parts\``,
      );
    }
  }
  return messages;
}
