/** `smc-waves cutover PLAN_ID --wave WAVE [--server SERVER]`: cuts over incremental servers now. */
import type { CutoverResult } from "../orchestrator/views.ts";
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves cutover PLAN_ID --wave WAVE [--server SERVER] [--url URL] [--json]

Cuts over the incremental servers (runOnce: false) of a wave, or one of them, whatever the wave's
cut-over mode: those in sync at once (CutOverReplicationJob as soon as their job is between two
runs, with the wave's syncData), the others as soon as their first full image exists. Each then
ends succeeded with its final image, its job deleted (or kept by onFinish) and its quota slot
freed. Who asked (the API token's name) and when go into the histories and the report.

options:
  --wave WAVE      the wave (required)
  --server SERVER  only this server: its name, source id or key
  --url URL        the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  --json           the API's JSON
  -h, --help       this help

Exit 2 when the plan has ended or the wave (server) has nothing to cut over (the daemon says why).`;

const SAID: Record<CutoverResult["servers"][number]["outcome"], string> = {
  now: "in sync: cuts over between two runs of its job",
  "when-in-sync": "not in sync yet: cuts over once its first full image exists",
  "under-way": "already cutting over",
  done: "already cut over",
  ended: "has ended without migrating: retry-failed first",
};

const OPTIONS = {
  wave: { type: "string" },
  server: { type: "string" },
  url: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("cutover", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [planId] = positionals;
  if (!planId || positionals.length > 1 || !values.wave) {
    throw new UsageError(`give one plan id and --wave WAVE\n${usageLine("cutover", HELP)}`);
  }
  if (values.server && /^https?:\/\//i.test(values.server)) {
    throw new UsageError(
      `--server names the server to cut over; give the daemon's URL with --url or SMC_WAVES_URL\n${usageLine("cutover", HELP)}`,
    );
  }
  const api = new ApiClient(values.url, process.env);
  const query = new URLSearchParams({
    wave: values.wave,
    ...(values.server ? { server: values.server } : {}),
  });
  const result = await api.json<CutoverResult>(
    "POST",
    `/api/plans/${encodeURIComponent(planId)}/cutover?${query}`,
  );
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return EXIT.ok;
  }
  console.log(
    `cut-over of ${values.server ? `server ${values.server}` : `wave ${result.wave}`} asked for by ${result.requestedBy}:`,
  );
  for (const server of result.servers)
    console.log(
      `  ${server.server.padEnd(20)} ${server.status.padEnd(12)} ${SAID[server.outcome]}`,
    );
  return EXIT.ok;
}
