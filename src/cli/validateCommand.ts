/**
 * `smc-waves validate PLAN.yaml [--json] [--online]`: every problem as `file:line:col: message`,
 * exit 1 when there is any, 0 when the plan is clean.
 */
import { parseArgs } from "node:util";
import { loadPlanFile } from "../plan/loadPlanFile.ts";
import { formatProblem, type PlanProblem } from "../plan/planProblem.ts";
import { sharedSourceLines } from "./otherPlans.ts";
import { onlineCheck } from "./smcFromEnv.ts";

const HELP = `usage: smc-waves validate PLAN.yaml [--json] [--online]

Checks a wave plan and prints every problem as file:line:col: message.
Exit status: 0 when the plan is clean, 1 when it has problems, 2 on bad usage.

options:
  --json      print problems as a JSON list of {line, col, path, message}
  --online    also check against SMC: every source exists (names resolve to exactly one),
              is Available, has no unfinished job, and has the data disks and sizes the plan asks.
              Endpoint: SMC_WAVES_SMC_ENDPOINT (default https://smc.aliyuncs.com); credentials:
              ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET or the profile file.
              It also asks the daemon (--server) which sources other plans, not ended, list too.
  --server URL  the daemon's API, for --online  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  -h, --help  this help`;

export async function run(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    console.error(
      `smc-waves validate: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`,
    );
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    console.error(`smc-waves validate: give exactly one plan file\n\n${HELP}`);
    return 2;
  }
  const { plan, problems } = await loadPlanFile(file, Date.now());
  if (plan !== undefined && values.online) {
    try {
      problems.push(...(await onlineCheck(plan, file)).problems);
      for (const line of await sharedSourceLines(file, values.server)) console.error(line);
    } catch (error) {
      console.error(
        `smc-waves validate: cannot check online: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 1;
    }
  }
  report(file, problems, values.json === true, plan === undefined ? undefined : summary(plan));
  return problems.length > 0 ? 1 : 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      online: { type: "boolean" },
      server: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
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
