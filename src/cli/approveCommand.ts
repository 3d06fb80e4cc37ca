/** `smc-waves approve PLAN_ID --wave WAVE`: lets a gated wave (`gate: manual`) start. */
import type { PlanSummary } from "../orchestrator/views.ts";
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";
import { planLine } from "./planProgress.ts";

const HELP = `usage: smc-waves approve PLAN_ID --wave WAVE [--server URL]

Approves the gate of a wave with 'gate: manual': it starts when its turn comes (at once if it is
waiting for approval now). Approving a wave before its turn is allowed. Who approved (the API
token's name) and when go into the plan's history and its report. Exit 2 when the wave has no
gate, was already approved or has ended (the daemon says why).

options:
  --wave WAVE   the wave to approve (required)
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help`;

const OPTIONS = {
  wave: { type: "string" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("approve", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [planId] = positionals;
  if (!planId || positionals.length > 1 || !values.wave) {
    throw new UsageError(`give one plan id and --wave WAVE\n${usageLine("approve", HELP)}`);
  }
  const api = new ApiClient(values.server, process.env);
  const plan = await api.json<PlanSummary>(
    "POST",
    `/api/plans/${encodeURIComponent(planId)}/approve?wave=${encodeURIComponent(values.wave)}`,
  );
  const wave = plan.waves.find((candidate) => candidate.name === values.wave);
  console.log(
    `wave ${values.wave} approved by ${wave?.gate?.approvedBy ?? "?"}${wave?.status === "pending" ? " (in advance: it starts when its turn comes)" : ""}`,
  );
  console.log(planLine(plan));
  return EXIT.ok;
}
