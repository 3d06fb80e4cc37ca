/** `smc-waves submit plan.yaml [--wait]`: prints the plan id alone on stdout. */
import { readFile } from "node:fs/promises";
import type { SubmitResult } from "../orchestrator/views.ts";
import { loadPlanFile } from "../plan/loadPlanFile.ts";
import { formatProblem } from "../plan/planProblem.ts";
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT, EXIT_CODES_HELP } from "./exitCodes.ts";
import { planWithAttention } from "./planAttention.ts";
import { isEnded, planReport } from "./planProgress.ts";

const HELP = `usage: smc-waves submit PLAN.yaml [--wait] [--server URL]

Validates the plan here, then submits it to the daemon. Prints the plan id. Submitting the same
plan again is harmless: it prints the same id.

options:
  --wait        block until the plan ends; exit 0 if it succeeded, 3 otherwise
  --server URL  the daemon's API  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help    this help

${EXIT_CODES_HELP}`;

const OPTIONS = {
  wait: { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** How often `--wait` asks the daemon, real ms. */
const WAIT_POLL_MS = 2_000;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("submit", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    throw new UsageError(`give exactly one plan file\n${usageLine("submit", HELP)}`);
  }
  const validation = await loadPlanFile(file, Date.now());
  if (validation.problems.length > 0) {
    for (const problem of validation.problems) console.error(formatProblem(problem));
    return EXIT.invalid;
  }
  const api = new ApiClient(values.server, process.env);
  const text = await readFile(file, "utf8");
  const { planId, created, warnings } = await api.json<SubmitResult>(
    "POST",
    `/api/plans?file=${encodeURIComponent(file)}`,
    { text, type: "text/yaml" },
  );
  console.log(planId);
  for (const warning of warnings ?? [])
    console.error(`${file}:${warning.line}:${warning.col}: warning: ${warning.message}`);
  if (!created) console.error(`plan ${planId} was already submitted; nothing changed`);
  if (!values.wait) return EXIT.ok;
  for (;;) {
    const plan = await api.getPlan(planId);
    if (isEnded(plan.status)) {
      console.error(planReport(await planWithAttention(api, planId, false), false));
      return plan.status === "succeeded" ? EXIT.ok : EXIT.notSucceeded;
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}
