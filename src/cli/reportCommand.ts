/** `smc-waves report PLAN_ID [--format csv|json]`: one row per server, for the change record. */
import { parseArgs } from "node:util";
import { ApiClient, ApiError, EXIT, withApiErrors } from "./apiClient.ts";

const HELP = `usage: smc-waves report PLAN_ID [--format csv|json] [--server URL]

Per server: source id, name, wave, status, job id, image id, started, finished, attempts, error.`;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`smc-waves report: ${(error as Error).message}\n\n${HELP}`);
    return EXIT.invalid;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const format = values.format ?? "csv";
  const [planId] = positionals;
  if (!planId || (format !== "csv" && format !== "json")) {
    console.error(`smc-waves report: give one plan id, and --format csv or json\n\n${HELP}`);
    return EXIT.invalid;
  }
  const api = new ApiClient(values.server, process.env);
  return withApiErrors(async () => {
    const response = await api.request(
      "GET",
      `/api/plans/${encodeURIComponent(planId)}/report?format=${format}`,
    );
    const text = await response.text();
    if (!response.ok) {
      const message =
        (JSON.parse(text) as { message?: string }).message ?? `HTTP ${response.status}`;
      throw new ApiError(message, EXIT.failed);
    }
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    return EXIT.ok;
  });
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: "string" },
      server: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
