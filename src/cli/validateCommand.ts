/**
 * `smc-waves validate PLAN.yaml [--json] [--online]`: every problem as `file:line:col: message`,
 * exit 1 when there is any, 0 when the plan is clean.
 */
import { loadPlanFile } from "../plan/loadPlanFile.ts";
import { formatProblem, type PlanProblem } from "../plan/planProblem.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";
import { sharedSourceLines } from "./otherPlans.ts";
import { onlineCheck } from "./smcFromEnv.ts";

const HELP = `usage: smc-waves validate PLAN.yaml [--json] [--online]

Checks a wave plan and prints every problem as file:line:col: message.
Exit status: 0 when the plan is clean, 1 when it has problems (or on bad usage), 2 when --online
cannot ask SMC (unreachable, or the credentials refused).

options:
  --json      print problems as a JSON list of {line, col, path, message}
  --online    also check against SMC: every source exists (names resolve to exactly one),
              is Available, has no unfinished job, and has the data disks and sizes the plan asks.
              Endpoint: SMC_WAVES_SMC_ENDPOINT (default https://smc.aliyuncs.com); credentials:
              ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET or the profile file.
              It also asks the daemon (--server) which sources other plans, not ended, list too.
  --server URL  the daemon's API, for --online  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help  this help`;

const OPTIONS = {
  json: { type: "boolean" },
  online: { type: "boolean" },
  server: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("validate", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    throw new UsageError(`give exactly one plan file\n${usageLine("validate", HELP)}`);
  }
  const { plan, problems } = await loadPlanFile(file, Date.now());
  // Throws OnlineCheckError (exit 2) when SMC cannot be asked.
  if (plan !== undefined && values.online) {
    problems.push(...(await onlineCheck(plan, file)).problems);
    for (const line of await sharedSourceLines(file, values.server)) console.error(line);
  }
  report(file, problems, values.json === true, plan === undefined ? undefined : summary(plan));
  return problems.length > 0 ? EXIT.invalid : EXIT.ok;
}

function summary(plan: { waves: { servers: unknown[] }[] }): string {
  const servers = plan.waves.reduce((sum, wave) => sum + wave.servers.length, 0);
  const waves = plan.waves.length;
  return `${waves} wave${waves === 1 ? "" : "s"}, ${servers} server${servers === 1 ? "" : "s"}`;
}

function report(file: string, problems: PlanProblem[], json: boolean, clean?: string): void {
  if (json) {
    const list = problems.map(({ line, col, path, message }) => ({ line, col, path, message }));
    console.log(JSON.stringify(list, null, 2));
    return;
  }
  for (const problem of problems) console.log(formatProblem(problem));
  if (problems.length > 0) {
    console.error(`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
  } else {
    console.log(`${file}: ok — ${clean ?? ""}`);
  }
}
