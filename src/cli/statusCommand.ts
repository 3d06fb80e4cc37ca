/** `smc-waves status [PLAN_ID] [--watch] [--json]`: plans, or one plan's waves and servers. */
import { parseArgs } from "node:util";
import { ApiClient, EXIT, withApiErrors } from "./apiClient.ts";
import { isEnded, planLine, planReport } from "./planProgress.ts";

const HELP = `usage: smc-waves status [PLAN_ID] [--watch] [--json] [--server URL]

Without an id: one line per plan. With an id: the plan's waves with progress and failed servers.

options:
  --watch       refresh every 2 s until the plan ends (progress bars on a terminal)
  --json        the API's JSON instead of text
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

const REFRESH_MS = 2_000;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`smc-waves status: ${(error as Error).message}\n\n${HELP}`);
    return EXIT.invalid;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const api = new ApiClient(values.server, process.env);
  const [planId] = positionals;
  const tty = process.stdout.isTTY === true;
  return withApiErrors(async () => {
    if (!planId) {
      const { plans } = await api.listPlans();
      if (values.json) console.log(JSON.stringify(plans, null, 2));
      else
        console.log(
          plans.length === 0
            ? "no plans yet: smc-waves submit PLAN.yaml"
            : plans.map(planLine).join("\n"),
        );
      return EXIT.ok;
    }
    for (;;) {
      const plan = await api.getPlan(planId);
      if (values.json) console.log(JSON.stringify(plan, null, 2));
      else {
        // On a terminal, redraw in place; in a log, append one report per refresh.
        if (values.watch && tty) process.stdout.write("\x1b[2J\x1b[H");
        console.log(planReport(plan, tty));
      }
      if (!values.watch || isEnded(plan.status)) return EXIT.ok;
      await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    }
  });
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      watch: { type: "boolean" },
      json: { type: "boolean" },
      server: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
