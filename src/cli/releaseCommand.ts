/** `smc-waves release PLAN_ID`: delete every job an ended plan left in the account. */
import { parseArgs } from "node:util";
import type { ReleaseResult } from "../orchestrator/views.ts";
import { ApiClient, EXIT, withApiErrors } from "./apiClient.ts";

const HELP = `usage: smc-waves release PLAN_ID [--json] [--server URL]

Deletes every replication job an ended plan left in the account (jobs kept by onFinish: keep,
jobs of failed servers, jobs stopped by a cancel) and frees their quota slots and sources. Safe to
run again, and while daemons run. A job still Running is listed, not deleted.

options:
  --json        the API's JSON
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`smc-waves release: ${(error as Error).message}\n\n${HELP}`);
    return EXIT.invalid;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [planId] = positionals;
  if (!planId || positionals.length > 1) {
    console.error(`smc-waves release: give exactly one plan id\n\n${HELP}`);
    return EXIT.invalid;
  }
  const api = new ApiClient(values.server, process.env);
  return withApiErrors(async () => {
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
    return result.remaining.length > 0 ? EXIT.failed : EXIT.ok;
  });
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      server: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
