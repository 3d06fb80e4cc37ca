/**
 * `smc-waves validate PLAN.yaml [--json] [--online]`: every problem as `file:line:col: message`,
 * exit 1 when there is any, 0 when the plan is clean; warnings (`file:line:col: warning: …`) say
 * what runs but may surprise, and do not change the exit status.
 */
import { loadPlanFile } from "../plan/loadPlanFile.ts";
import { formatProblem, formatWarning, type PlanProblem } from "../plan/planProblem.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";
import { sharedSourceLines } from "./otherPlans.ts";
import { onlineCheck } from "./smcFromEnv.ts";

const HELP = `usage: smc-waves validate PLAN.yaml [--json] [--online]

Checks a wave plan and prints every problem as file:line:col: message, and every warning (what
runs but may surprise: incremental servers waiting for a cut-over, slots held in groups) as
file:line:col: warning: message.
Exit status: 0 when the plan is clean (warnings or not), 1 when it has problems (or on bad
usage), 2 when --online cannot ask SMC (unreachable, or the credentials refused).

options:
  --json      print problems as a JSON list of {line, col, path, message}; warnings are in the
              same list with "severity": "warning"
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
  const { plan, problems, warnings } = await loadPlanFile(file, Date.now());
  const local = new Set(warnings.map(formatWarning));
  // Throws OnlineCheckError (exit 2) when SMC cannot be asked.
  if (plan !== undefined && values.online) {
    problems.push(...(await onlineCheck(plan, file)).problems);
    // The daemon repeats the plan's own warnings; only its new ones are printed.
    for (const line of await sharedSourceLines(file, values.server))
      if (!local.has(line)) console.error(line);
  }
  report(
    file,
    { problems, warnings },
    values.json === true,
    plan === undefined ? undefined : summary(plan),
  );
  return problems.length > 0 ? EXIT.invalid : EXIT.ok;
}

function summary(plan: { waves: { servers: unknown[] }[] }): string {
  const servers = plan.waves.reduce((sum, wave) => sum + wave.servers.length, 0);
  const waves = plan.waves.length;
  return `${waves} wave${waves === 1 ? "" : "s"}, ${servers} server${servers === 1 ? "" : "s"}`;
}

function report(
  file: string,
  { problems, warnings }: { problems: PlanProblem[]; warnings: PlanProblem[] },
  json: boolean,
  clean?: string,
): void {
  if (json) {
    const list = [
      ...problems.map(({ line, col, path, message }) => ({ line, col, path, message })),
      ...warnings.map(({ line, col, path, message }) => ({
        line,
        col,
        path,
        message,
        severity: "warning",
      })),
    ];
    console.log(JSON.stringify(list, null, 2));
    return;
  }
  for (const problem of problems) console.log(formatProblem(problem));
  for (const warning of warnings) console.log(formatWarning(warning));
  const warned =
    warnings.length > 0 ? ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})` : "";
  if (problems.length > 0) {
    console.error(
      `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}${warned}`,
    );
  } else {
    console.log(`${file}: ok — ${clean ?? ""}${warned}`);
  }
}
