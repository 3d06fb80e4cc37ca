import { CronExpressionParser } from "cron-parser";
import { closestName } from "./closestName.ts";
import type { WaveWindow } from "./compiledPlan.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import { type Finding, type PlanPath, quoteName, quoteValue } from "./planProblem.ts";

/** Why `timezone` is not an IANA zone Intl knows, with a near miss if there is one; undefined if fine. */
function timezoneProblem(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return undefined;
  } catch {
    const near = closestName(timezone, ["UTC", ...Intl.supportedValuesOf("timeZone")]);
    const hint = near === undefined ? "" : `; did you mean \`${near}\`?`;
    return `Unknown time zone ${quoteName(timezone)}: expected an IANA zone such as \`Asia/Shanghai\` or \`UTC\`${hint}`;
  }
}

/**
 * Why `cron` cannot open a window; undefined if fine. Five fields exactly: cron-parser also takes
 * six (with seconds) and silently reads four, both of which would surprise an operator.
 */
function cronProblem(cron: string, timezone: string, now: number): string | undefined {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5) {
    return `Expected \`cron\` to have 5 fields (minute hour day-of-month month day-of-week), got ${quoteValue(cron)} with ${fields}`;
  }
  try {
    CronExpressionParser.parse(cron, { currentDate: now, tz: timezone }).next();
    return undefined;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return `Invalid cron ${quoteValue(cron)}: ${reason}`;
  }
}

/** A window shorter than a minute cannot start anything; one longer than 31 days is no window. */
const WINDOW_RANGE_MS = [60_000, 31 * 86_400_000] as const;

/** A duration outside `[min, max]`, reported at `path`; other types are the schema's business. */
export function checkDuration(
  findings: Finding[],
  path: PlanPath,
  value: unknown,
  [min, max]: readonly [number, number],
): void {
  const ms = parseDuration(value);
  if (ms === undefined || (ms >= min && ms <= max)) return;
  findings.push({
    path,
    message: `Expected \`${String(path[path.length - 1])}\` to be from ${formatDuration(min)} to ${formatDuration(max)}, got ${quoteValue(value)}`,
  });
}

/**
 * A window mapping at `path` (a wave's `window`, a cut-over's): its duration, time zone and cron.
 * `cache` remembers verdicts, since generated plans repeat one window on every wave and a cron with
 * a zone costs about a millisecond. Returns the window when it can open, for further rules.
 */
export function checkWindow(
  findings: Finding[],
  path: PlanPath,
  window: Record<string, unknown> | undefined,
  now: number,
  cache: Map<string, string | undefined>,
): WaveWindow | undefined {
  if (window === undefined) return undefined;
  const before = findings.length;
  checkDuration(findings, [...path, "duration"], window.duration, WINDOW_RANGE_MS);
  let timezone = "UTC";
  if (typeof window.timezone === "string") {
    const zone = window.timezone;
    const problem = cached(cache, `zone ${zone}`, () => timezoneProblem(zone));
    if (problem === undefined) timezone = window.timezone;
    else findings.push({ path: [...path, "timezone"], message: problem });
  }
  if (typeof window.cron === "string") {
    const cron = window.cron;
    const problem = cached(cache, `cron ${timezone} ${cron}`, () =>
      cronProblem(cron, timezone, now),
    );
    if (problem !== undefined) findings.push({ path: [...path, "cron"], message: problem });
  }
  const durationMs = parseDuration(window.duration);
  if (findings.length > before || typeof window.cron !== "string" || durationMs === undefined)
    return undefined;
  return { cron: window.cron.trim(), durationMs, timezone };
}

function cached(
  cache: Map<string, string | undefined>,
  key: string,
  compute: () => string | undefined,
): string | undefined {
  if (!cache.has(key)) cache.set(key, compute());
  return cache.get(key);
}
