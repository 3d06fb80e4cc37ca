/**
 * `smc-waves plan PLAN.yaml [--online] [--json]`: a dry run. Per wave: the servers in start order, the
 * CreateReplicationJob parameters each would get, the next openings of its window and the quota
 * it holds. Nothing is created.
 */
import { readFile } from "node:fs/promises";
import type { PlanForecast } from "../forecast/forecastModel.ts";
import { forecastPlan } from "../forecast/forecastPlan.ts";
import { DEFAULT_SPREAD } from "../forecast/throughput.ts";
import { jobBytes } from "../orchestrator/sourceBytes.ts";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import { type DryRun, dryRun } from "../plan/dryRun.ts";
import { loadPlanFile } from "../plan/loadPlanFile.ts";
import { formatProblem, formatWarning, type PlanProblem } from "../plan/planProblem.ts";
import type { SourceServer } from "../smc/types.ts";
import { ApiClient } from "./apiClient.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";
import { formatForecast } from "./forecastText.ts";
import { sharedSourceLines } from "./otherPlans.ts";
import { onlineCheck } from "./smcFromEnv.ts";

const HELP = `usage: smc-waves plan PLAN.yaml [--online] [--json] [--forecast [--seed N] [--throughput MIB_S]]

Dry run: what the plan will do, wave by wave, without creating anything; with --forecast, when
each wave would start and finish (P50 and P90 of seeded sampled runs) if it started now.
Exit status: 0 when the plan is clean, 1 when it has problems (or on bad usage), 2 when --online
cannot ask SMC (unreachable, or the credentials refused).

options:
  --online    resolve sources through SMC (names → SourceIds, sizes for largest-first order) and
              run validate's online checks; SMC settings as for 'smc-waves validate --online';
              also asks the daemon (--server) which sources other plans, not ended, list too
  --server URL  the daemon's API, for --online  [SMC_WAVES_URL, else http://127.0.0.1:8080]
  --json      print the dry run as JSON
  --forecast  forecast the plan instead: the daemon (--server) forecasts it with the account's
              quota, what other plans hold and the throughput it learned; with --online, it is
              forecast here from SMC's source sizes, the quota SMC_WAVES_QUOTA (default 100) and
              --throughput
  --seed N    the forecast's seed: the same seed gives the same forecast  [1]
  --throughput MIB_S  with --forecast --online: MiB/s one job copies  [25]
  -h, --help  this help`;

const OPTIONS = {
  online: { type: "boolean" },
  json: { type: "boolean" },
  server: { type: "string" },
  forecast: { type: "boolean" },
  seed: { type: "string" },
  throughput: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs("plan", HELP, args, OPTIONS);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    throw new UsageError(`give exactly one plan file\n${usageLine("plan", HELP)}`);
  }
  const now = Date.now();
  const { plan, problems, warnings } = await loadPlanFile(file, now);
  if (plan === undefined) {
    for (const problem of problems) console.log(formatProblem(problem));
    console.error(
      `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}; fix them first ('smc-waves validate ${file}')`,
    );
    return EXIT.invalid;
  }
  if (values.forecast) {
    const seed = wholeNumber("--seed", values.seed ?? "1", 0xffffffff);
    const forecast = values.online
      ? await forecastHere(plan, file, seed, values.throughput)
      : await new ApiClient(values.server, process.env).json<PlanForecast>(
          "POST",
          `/api/plans/forecast?seed=${seed}&file=${encodeURIComponent(file)}`,
          { text: await readFile(file, "utf8"), type: "text/yaml" },
        );
    console.log(
      values.json ? JSON.stringify(forecast, null, 2) : formatForecast(forecast, plan.name),
    );
    return EXIT.ok;
  }
  let sources: Map<string, SourceServer> | undefined;
  if (values.online) {
    // Throws OnlineCheckError (exit 2) when SMC cannot be asked.
    const online = await onlineCheck(plan, file);
    sources = online.sources;
    problems.push(...online.problems);
    const local = new Set(warnings.map(formatWarning));
    for (const line of await sharedSourceLines(file, values.server))
      if (!local.has(line)) console.error(line);
  }
  const result = dryRun(plan, { now, ...(sources ? { sources } : {}) });
  if (values.json) console.log(JSON.stringify({ ...result, problems, warnings }, null, 2));
  else console.log(formatDryRun(result, problems, warnings));
  return problems.length > 0 ? EXIT.invalid : EXIT.ok;
}

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** The account quota a forecast made here assumes without SMC_WAVES_QUOTA: the service's default. */
const DEFAULT_QUOTA = 100;

function wholeNumber(flag: string, text: string, most: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > most)
    throw new UsageError(`${flag} must be a whole number from 0 to ${most}, got "${text}"`);
  return value;
}

/** The forecast made here: sizes from SMC, the quota from the environment, the given throughput. */
async function forecastHere(
  plan: CompiledPlan,
  file: string,
  seed: number,
  throughput: string | undefined,
): Promise<PlanForecast> {
  const mibPerSecond = Number(throughput ?? "25");
  if (!(mibPerSecond > 0))
    throw new UsageError(`--throughput must be MiB/s above 0, got "${throughput}"`);
  const { sources } = await onlineCheck(plan, file);
  const sizes = new Map<string, number>();
  const names = new Map<string, string>();
  for (const wave of plan.waves)
    for (const server of wave.servers) {
      const source = sources.get(server.key);
      if (!source) continue;
      sizes.set(server.key, jobBytes(source, server.settings.dataDisks));
      names.set(server.key, source.name);
    }
  return forecastPlan(plan, {
    now: Date.now(),
    sizes,
    names,
    quota: wholeNumber(
      "SMC_WAVES_QUOTA",
      process.env.SMC_WAVES_QUOTA ?? String(DEFAULT_QUOTA),
      1e6,
    ),
    throughput: {
      bytesPerSecond: mibPerSecond * MIB,
      spread: DEFAULT_SPREAD,
      source: throughput === undefined ? "default" : "configured",
      learnedFromJobs: 0,
      fixedMsPerJob: 0,
    },
    seed,
  });
}
/** Parameter lines wrap here so a server's call reads as a block, not one 600-column line. */
const LINE_WIDTH = 100;

function wrap(words: readonly string[], first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of words) {
    const fresh = line === first || line === rest;
    if (!fresh && line.length + 1 + word.length > LINE_WIDTH) {
      lines.push(line);
      line = rest + word;
    } else {
      line += fresh ? word : ` ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

type DryRunCutover = NonNullable<DryRun["waves"][number]["cutover"]>;

/** When a wave's incremental servers cut over, and the quota slots they hold until then. */
function cutoverLines(wave: string, cutover: DryRunCutover): string[] {
  const sync = cutover.syncData ? "with a final sync" : "without a final sync (the last image)";
  const lines: string[] = [];
  switch (cutover.mode) {
    case "immediate":
      lines.push(`  cut-over: immediate, ${sync}, as soon as each incremental server is in sync`);
      break;
    case "manual":
      lines.push(
        `  cut-over: manual, ${sync}: servers in sync wait for 'smc-waves cutover PLAN_ID --wave ${wave}'`,
      );
      break;
    case "window":
      lines.push(
        `  cut-over: in a window, ${sync}; if it closes before a server's cut-over could start: ${cutover.onTimeout === "wait" ? "wait for the next opening" : "fail the server"}`,
      );
      if (cutover.window) {
        lines.push(
          `    window "${cutover.window.cron}" in ${cutover.window.timezone}, open ${cutover.window.duration}; next openings:`,
        );
        for (const opening of cutover.window.nextOpenings) lines.push(`      ${opening}`);
      }
      break;
  }
  const held = `${cutover.incremental} incremental server${cutover.incremental === 1 ? "" : "s"} each hold a quota slot from create until cut-over`;
  lines.push(
    cutover.groups > 1
      ? `  ${held}: more than maxJobs, so they migrate in ${cutover.groups} groups, each after earlier ones are cut over`
      : `  ${held}; the wave ends (and any next one starts) once all are cut over`,
  );
  return lines;
}

/** The dry run as an operator reads it before a weekend. */
export function formatDryRun(
  run: DryRun,
  problems: readonly PlanProblem[],
  warnings: readonly PlanProblem[] = [],
): string {
  const lines = [
    `plan ${run.name}: region ${run.regionId}, account ${run.account}, ${run.waves.length} waves run one after another`,
    `quota: holds at most ${run.quota} replication job${run.quota === 1 ? "" : "s"} at once (maxJobs ${run.maxJobs})`,
  ];
  run.waves.forEach((wave, index) => {
    lines.push(
      "",
      `wave ${index + 1}/${run.waves.length} ${wave.name}: ${wave.servers.length} servers, holds ${wave.quota} quota slot${wave.quota === 1 ? "" : "s"}`,
    );
    lines.push(`  order: ${wave.order}${wave.orderNote ? ` (${wave.orderNote})` : ""}`);
    if (wave.notBefore) lines.push(`  not before: ${wave.notBefore}`);
    if (wave.gate) {
      lines.push(
        `  gate: manual — waits before it starts until 'smc-waves approve PLAN_ID --wave ${wave.name}'`,
      );
    }
    if (wave.window) {
      lines.push(
        `  window: "${wave.window.cron}" in ${wave.window.timezone}, open ${wave.window.duration}; next openings:`,
      );
      for (const opening of wave.window.nextOpenings) lines.push(`    ${opening}`);
    } else {
      lines.push("  window: none (jobs start as soon as quota allows)");
    }
    if (wave.cutover) lines.push(...cutoverLines(wave.name, wave.cutover));
    wave.servers.forEach((server, position) => {
      const size =
        server.sizeBytes === undefined
          ? ""
          : `, ${(server.sizeBytes / GIB).toFixed(0)} GiB to copy`;
      lines.push(
        `  ${position + 1}. ${server.label}${server.sourceId ? ` (${server.sourceId}${size})` : ""}`,
      );
      const parameters = Object.entries(server.parameters).map(
        ([name, value]) => `${name}=${value}`,
      );
      lines.push(...wrap(["CreateReplicationJob", ...parameters], "     ", "       "));
    });
  });
  if (warnings.length > 0) {
    lines.push("", `${warnings.length} warning${warnings.length === 1 ? "" : "s"}:`);
    for (const warning of warnings) lines.push(formatWarning(warning));
  }
  if (problems.length > 0) {
    lines.push("", `${problems.length} problem${problems.length === 1 ? "" : "s"}:`);
    for (const problem of problems) lines.push(formatProblem(problem));
  }
  return lines.join("\n");
}
