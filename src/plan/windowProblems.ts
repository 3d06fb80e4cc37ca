import { CronExpressionParser } from "cron-parser";
import { closestName } from "./closestName.ts";
import { quoteName, quoteValue } from "./planProblem.ts";

/** Why `timezone` is not an IANA zone Intl knows, with a near miss if there is one; undefined if fine. */
export function timezoneProblem(timezone: string): string | undefined {
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
export function cronProblem(cron: string, timezone: string, now: number): string | undefined {
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
