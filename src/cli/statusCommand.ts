/** `smc-waves status [PLAN_ID] [--watch] [--json]`: plans, or one plan's waves and servers. */
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";
import { planWithAttention } from "./planAttention.ts";
import { isEnded, planLine, planReport } from "./planProgress.ts";

const HELP = `usage: smc-waves status [PLAN_ID] [--watch] [--json] [--server URL]

Without an id: one line per plan. With an id: the plan's waves with progress, and the servers to
look at (failed, waiting, keeping a job; with --json too, each wave's "servers" lists those, up to
11 of each kind: every server is in the report, or a page at a time at /api/plans/ID/servers).

options:
  --watch       refresh every 2 s: a plan until it ends, the list of plans until Ctrl-C
  --json        the API's JSON instead of text
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

const OPTIONS = {
  watch: { type: "boolean" },
  json: { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const REFRESH_MS = 2_000;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("status", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    throw new UsageError(`give at most one plan id\n${usageLine("status", HELP)}`);
  }
  const api = new ApiClient(values.server, process.env);
  const [planId] = positionals;
  const tty = process.stdout.isTTY === true;
  // On a terminal, --watch redraws in place; in a log, it appends one report per refresh.
  const show = (text: string) => {
    if (values.watch && tty) process.stdout.write("\x1b[2J\x1b[H");
    console.log(text);
  };
  for (;;) {
    if (planId === undefined) {
      const { plans } = await api.listPlans();
      if (values.json) console.log(JSON.stringify(plans, null, 2));
      else
        show(
          plans.length === 0
            ? "no plans yet: smc-waves submit PLAN.yaml"
            : plans.map(planLine).join("\n"),
        );
      if (!values.watch) return EXIT.ok;
    } else {
      const plan = await planWithAttention(api, planId, tty);
      if (values.json) console.log(JSON.stringify(plan, null, 2));
      else show(planReport(plan, tty));
      if (!values.watch || isEnded(plan.status)) return EXIT.ok;
    }
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
  }
}
