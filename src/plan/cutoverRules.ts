import { nextOpenings } from "../scheduler/waveWindow.ts";
import type { CompiledPlan, Cutover } from "./compiledPlan.ts";
import { formatDuration } from "./duration.ts";
import { asRecord } from "./effectiveSettings.ts";
import type { Finding, PlanPath } from "./planProblem.ts";
import { quoteName } from "./planProblem.ts";
import { checkWindow } from "./windowProblems.ts";

/** What the rules need to know of a wave's servers, counted while their settings were read. */
export interface WaveServers {
  count: number;
  /** Servers whose effective `runOnce` is false. */
  incremental: number;
  /** The shortest `validTime` among the incremental ones, ms. */
  shortestValidMs?: number;
}

/** Openings looked at to find how far apart a cut-over window's openings can be. */
const OPENINGS_SAMPLED = 12;

/**
 * A wave's `cutover` against its servers: it applies only to incremental ones, its mode and keys
 * must agree, its window must be able to open. Warnings for what runs but surprises: incremental
 * servers with no `cutover` (they wait for a person), more of them than the plan's jobs (they
 * migrate in groups, each holding its slots until cut over), a window rarer than the jobs live.
 */
export function cutoverRules(
  wave: Record<string, unknown>,
  wavePath: PlanPath,
  servers: WaveServers,
  context: { now: number; maxJobs: number },
  cache: Map<string, string | undefined>,
): Finding[] {
  const findings: Finding[] = [];
  const raw = wave.cutover;
  const label =
    typeof wave.name === "string" ? quoteName(wave.name) : `#${Number(wavePath[1]) + 1}`;
  const cutoverPath = [...wavePath, "cutover"];
  if (raw === undefined) {
    if (servers.incremental === 0) return findings;
    findings.push({
      path: wavePath,
      severity: "warning",
      message: `Wave ${label} has ${servers.incremental} incremental server(s) (\`runOnce: false\`) and no \`cutover\`: once in sync they keep syncing, each holding its quota slot, until someone runs \`smc-waves cutover PLAN_ID --wave ${typeof wave.name === "string" ? wave.name : "WAVE"}\`. Say \`cutover: manual\` to mean that, or give \`immediate\` or a window`,
    });
    findings.push(...groupWarning(wavePath, label, servers, "manual", context.maxJobs));
    return findings;
  }
  if (servers.incremental === 0 && servers.count > 0) {
    findings.push({
      path: cutoverPath,
      at: "key",
      message: `\`cutover\` applies to incremental servers (\`runOnce: false\`), and none of wave ${label}'s ${servers.count} server(s) is one: add \`runOnce: false\` (with \`frequency\` and \`maxNumberOfImageToKeep\`) to the servers that keep syncing until their cut-over, or remove \`cutover\``,
    });
    return findings;
  }
  const mapping = asRecord(raw);
  const mode = modeOf(raw);
  if (mapping !== undefined) findings.push(...mappingRules(mapping, cutoverPath, mode));
  const window =
    mode === "window"
      ? checkWindow(
          findings,
          [...cutoverPath, "window"],
          asRecord(mapping?.window),
          context.now,
          cache,
        )
      : undefined;
  if (mode !== undefined && mode !== "immediate") {
    findings.push(...groupWarning(cutoverPath, label, servers, mode, context.maxJobs));
  }
  if (window !== undefined && servers.shortestValidMs !== undefined) {
    findings.push(...rareWindowWarning(window, cutoverPath, servers.shortestValidMs, context.now));
  }
  return findings;
}

/** The mode a raw `cutover` asks for; undefined when it is malformed (the schema says why). */
function modeOf(raw: unknown): Cutover["mode"] | undefined {
  if (raw === "immediate" || raw === "manual") return raw;
  const mapping = asRecord(raw);
  if (mapping === undefined) return undefined;
  const { mode } = mapping;
  if (mode === "immediate" || mode === "manual" || mode === "window") return mode;
  if (mode !== undefined) return undefined;
  return mapping.window === undefined ? "manual" : "window";
}

function mappingRules(
  mapping: Record<string, unknown>,
  path: PlanPath,
  mode: Cutover["mode"] | undefined,
): Finding[] {
  const findings: Finding[] = [];
  if (mode === "window" && mapping.window === undefined) {
    findings.push({
      path: [...path, "mode"],
      message:
        "`mode: window` needs `window: { cron, duration, timezone }`: when cut-overs may start",
    });
  }
  if ((mode === "immediate" || mode === "manual") && mapping.window !== undefined) {
    findings.push({
      path: [...path, "window"],
      at: "key",
      message: `A cut-over \`window\` applies only to \`mode: window\` (the mode when a window is given), not to \`mode: ${mode}\`: remove one of them`,
    });
  }
  if (mode !== "window" && mode !== undefined && mapping.onTimeout !== undefined) {
    findings.push({
      path: [...path, "onTimeout"],
      at: "key",
      message: `\`onTimeout\` says what happens when a cut-over window closes first, and \`mode: ${mode}\` has no window: remove it`,
    });
  }
  return findings;
}

/**
 * Incremental servers keep their quota slot until cut over, so a wave with more of them than the
 * plan's jobs migrates in groups: each group's cut-over frees the slots the next one starts in.
 * It always progresses (a cut-over needs only the job in sync), so this warns rather than refuses.
 */
function groupWarning(
  path: PlanPath,
  label: string,
  servers: WaveServers,
  mode: "manual" | "window",
  maxJobs: number,
): Finding[] {
  if (servers.incremental <= maxJobs) return [];
  const groups = Math.ceil(servers.incremental / maxJobs);
  const rounds =
    mode === "window"
      ? `at least ${groups} openings of its cut-over window`
      : `at least ${groups} rounds of \`smc-waves cutover\``;
  return [
    {
      path,
      at: "key",
      severity: "warning",
      message: `Wave ${label} has ${servers.incremental} incremental servers and the plan holds at most ${maxJobs} jobs (\`maxJobs\`); each keeps its slot until it is cut over, so they migrate in ${groups} groups, each starting once earlier servers are cut over: ${rounds}`,
    },
  ];
}

/** A window whose openings can be further apart than the incremental jobs' `validTime`. */
function rareWindowWarning(
  window: NonNullable<ReturnType<typeof checkWindow>>,
  path: PlanPath,
  validForMs: number,
  now: number,
): Finding[] {
  const openings = nextOpenings(window, now, OPENINGS_SAMPLED);
  let widest = 0;
  for (let i = 1; i < openings.length; i++) {
    widest = Math.max(widest, (openings[i] ?? 0) - (openings[i - 1] ?? 0) - window.durationMs);
  }
  if (widest <= validForMs) return [];
  return [
    {
      path: [...path, "window", "cron"],
      severity: "warning",
      message: `The cut-over window can stay closed for ${formatDuration(widest)}, longer than the incremental jobs' \`validTime\` (${formatDuration(validForMs)}): a job that comes in sync just after the window closes expires before it reopens. Open it more often or raise \`validTime\``,
    },
  ];
}

/**
 * The same grouping judged against the account's quota, which only the daemon knows: when it is
 * below `maxJobs`, a wave's incremental servers may migrate in more groups than validation said.
 * Placed at the wave's first server (a compiled plan keeps server positions only).
 */
export function quotaGroupWarnings(
  plan: CompiledPlan,
  quota: number,
): { line: number; col: number; message: string }[] {
  if (quota >= plan.policy.maxJobs) return [];
  return plan.waves.flatMap((wave) => {
    const incremental = wave.servers.filter((server) => server.settings.runOnce === false).length;
    if (wave.cutover === undefined || wave.cutover.mode === "immediate" || incremental <= quota)
      return [];
    const at = wave.servers[0]?.at ?? { line: 1, col: 1 };
    const groups = Math.ceil(incremental / quota);
    return [
      {
        ...at,
        message: `wave ${wave.name}: account ${plan.account}'s quota is ${quota} jobs, below the plan's maxJobs (${plan.policy.maxJobs}); its ${incremental} incremental servers each keep a slot until cut over, so they migrate in at least ${groups} groups (other plans' jobs may make it more)`,
      },
    ];
  });
}
