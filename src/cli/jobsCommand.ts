/** `smc-waves jobs [--account NAME] [--json]`: every replication job in the account, with its owner. */
import type { AccountJobView } from "../orchestrator/views.ts";
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves jobs [--account NAME] [--json] [--server URL]

Every replication job in the account, ours and anyone else's: id, status, age, source, and who
owns it (plan and server, or "not smc-waves"). A job an ended plan left behind says why; free
those with 'smc-waves release PLAN_ID'.

options:
  --account NAME  the configured account  [default]
  --json          the API's JSON
  --server URL    the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help      this help`;

const OPTIONS = {
  account: { type: "string" },
  json: { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("jobs", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `takes no arguments, got ${positionals.join(" ")}\n${usageLine("jobs", HELP)}`,
    );
  }
  const account = values.account ?? "default";
  const api = new ApiClient(values.server, process.env);
  const { jobs } = await api.json<{ jobs: AccountJobView[] }>(
    "GET",
    `/api/accounts/${encodeURIComponent(account)}/jobs`,
  );
  if (values.json) console.log(JSON.stringify(jobs, null, 2));
  else console.log(jobsTable(account, jobs));
  return EXIT.ok;
}

/** One line per job, then what an ended plan left behind and why. */
export function jobsTable(account: string, jobs: readonly AccountJobView[]): string {
  if (jobs.length === 0) return `account ${account} has no replication jobs`;
  const lines = jobs.map((job) => {
    const owner = job.owner
      ? `${job.owner.planId}${job.owner.server ? `/${job.owner.server}` : ""}${job.owner.serverStatus ? ` (${job.owner.serverStatus})` : ""}`
      : "not smc-waves";
    return `${job.jobId.padEnd(24)} ${job.status.padEnd(9)} ${age(job.ageMs).padStart(6)}  ${job.sourceId.padEnd(24)} ${owner}`;
  });
  const left = jobs.filter((job) => job.leftBehind);
  const notes = left.map((job) => `  ${job.jobId}: ${job.leftBehind}`);
  return [
    `${"JOB".padEnd(24)} ${"STATUS".padEnd(9)} ${"AGE".padStart(6)}  ${"SOURCE".padEnd(24)} OWNER`,
    ...lines,
    ...(left.length > 0 ? ["", `left behind by ended plans (${left.length}):`, ...notes] : []),
  ].join("\n");
}

function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`;
}
