/** `smc-waves approve PLAN_ID --wave WAVE`: lets a gated wave (`gate: manual`) start. */
import { parseArgs } from "node:util";
import type { PlanSummary } from "../orchestrator/views.ts";
import { ApiClient, EXIT, withApiErrors } from "./apiClient.ts";
import { planLine } from "./planProgress.ts";

const HELP = `usage: smc-waves approve PLAN_ID --wave WAVE [--server URL]

Approves the gate of a wave with 'gate: manual': it starts when its turn comes (at once if it is
waiting for approval now). Approving a wave before its turn is allowed. Who approved (the API
token's name) and when go into the plan's history and its report.

options:
  --wave WAVE   the wave to approve (required)
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(`smc-waves approve: ${(error as Error).message}\n\n${HELP}`);
    return EXIT.invalid;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [planId] = positionals;
  if (!planId || positionals.length > 1 || !values.wave) {
    console.error(`smc-waves approve: give one plan id and --wave WAVE\n\n${HELP}`);
    return EXIT.invalid;
  }
  const api = new ApiClient(values.server, process.env);
  return withApiErrors(async () => {
    const plan = await api.json<PlanSummary>(
      "POST",
      `/api/plans/${encodeURIComponent(planId)}/approve?wave=${encodeURIComponent(values.wave ?? "")}`,
    );
    const wave = plan.waves.find((candidate) => candidate.name === values.wave);
    console.log(
      `wave ${values.wave} approved by ${wave?.gate?.approvedBy ?? "?"}${wave?.status === "pending" ? " (in advance: it starts when its turn comes)" : ""}`,
    );
    console.log(planLine(plan));
    return EXIT.ok;
  });
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      wave: { type: "string" },
      server: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
