/** `smc-waves report PLAN_ID [--format csv|json]`: one row per server, for the change record. */
import { ApiClient, ApiError } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves report PLAN_ID [--format csv|json] [--actions] [--server URL]

Per server: source id, name, wave, status, job id, image id, started, finished, attempts, error.
With --actions (CSV), the plan's audit trail instead: when, by which token, what (submit, pause,
resume, cancel, retry, release, approve, cut-over) and its detail. JSON holds both.

options:
  --format F    csv or json  [csv]
  --actions     CSV of who did what, when, instead of the servers
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

const OPTIONS = {
  format: { type: "string" },
  actions: { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("report", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const format = values.format ?? "csv";
  if (format !== "csv" && format !== "json") {
    throw new UsageError(
      `--format must be csv or json, got "${format}"\n${usageLine("report", HELP)}`,
    );
  }
  const [planId] = positionals;
  if (!planId || positionals.length > 1) {
    throw new UsageError(`give exactly one plan id\n${usageLine("report", HELP)}`);
  }
  if (values.actions && format === "json") {
    throw new UsageError(
      `--actions is for CSV: the JSON report holds the actions already\n${usageLine("report", HELP)}`,
    );
  }
  const api = new ApiClient(values.server, process.env);
  const response = await api.request(
    "GET",
    `/api/plans/${encodeURIComponent(planId)}/report?format=${format}${values.actions ? "&rows=actions" : ""}`,
  );
  const text = await response.text();
  if (!response.ok) {
    let message = `the daemon answered HTTP ${response.status}`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // Not JSON (a proxy's error page): the status says enough.
    }
    throw new ApiError(message, response.status === 404 ? EXIT.invalid : EXIT.refused);
  }
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  return EXIT.ok;
}
