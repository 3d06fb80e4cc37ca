/** `smc-waves release PLAN_ID`: delete every job an ended plan left in the account. */
import type { ReleaseResult } from "../orchestrator/views.ts";
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves release PLAN_ID [--json] [--server URL]

Deletes every replication job an ended plan left in the account (jobs kept by onFinish: keep,
jobs of failed servers, jobs stopped by a cancel) and frees their quota slots and sources. Safe to
run again, and while daemons run. A job still Running is listed, not deleted.

options:
  --json        the API's JSON
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

const OPTIONS = {
  json: { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("release", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [planId] = positionals;
  if (!planId || positionals.length > 1) {
    throw new UsageError(`give exactly one plan id\n${usageLine("release", HELP)}`);
  }
  const api = new ApiClient(values.server, process.env);
  const result = await api.json<ReleaseResult>(
    "POST",
    `/api/plans/${encodeURIComponent(planId)}/release`,
  );
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(
      result.deleted.length === 0
        ? `plan ${planId} left no job in the account`
        : `plan ${planId}: ${result.deleted.length} job(s) deleted`,
    );
    for (const job of result.deleted)
      console.log(`  deleted ${job.jobId} (${job.jobStatus}) of ${job.server}`);
    for (const job of result.remaining)
      console.log(`  not deleted ${job.jobId} of ${job.server}: ${job.why}`);
  }
  // A job still running stays: the release is refused for it, like any control that does not apply.
  return result.remaining.length > 0 ? EXIT.refused : EXIT.ok;
}
