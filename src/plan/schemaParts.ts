import { z } from "zod";
import { DURATION_PATTERN } from "./duration.ts";

/*
 * Leaf schemas for the plan. Every check carries the same `error`: a phrase saying what would be
 * valid ("a whole number from 20 to 500"); `schemaIssues.ts` wraps it as
 * "Expected `key` to be <phrase>, got <value>". So each phrase must read after "to be".
 */

export function wholeNumber(min: number, max?: number) {
  const phrase =
    max === undefined
      ? `a whole number from ${min} and up`
      : `a whole number from ${min} to ${max}`;
  const atLeast = z.int({ error: phrase }).min(min, { error: phrase });
  return max === undefined ? atLeast : atLeast.max(max, { error: phrase });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.map((value) => `\`${value}\``).join(", ")}` });
}

export function text(phrase: string, pattern?: RegExp) {
  const base = z.string({ error: phrase }).min(1, { error: phrase });
  return pattern === undefined ? base : base.regex(pattern, { error: phrase });
}

export function flag() {
  return z.boolean({ error: "`true` or `false`" });
}

/**
 * The contract's naming rule (job Name, ImageName, Description, source Name): 2–128 characters,
 * starting with a Latin or Chinese letter, then letters, digits, `:`, `_`, `-`. A leading `http://`
 * is impossible under this pattern (no `/`), which is the rule's other half.
 */
const NAME_PATTERN = /^[A-Za-z\u4e00-\u9fff][A-Za-z0-9\u4e00-\u9fff:_-]{1,127}$/;
const NAME_PHRASE =
  "2–128 characters: a letter first, then letters, digits, `:`, `_` or `-` (no spaces, dots or `/`)";

export function smcName(description: string) {
  return text(NAME_PHRASE, NAME_PATTERN).describe(description);
}

const DURATION_PHRASE =
  "a duration such as `30s`, `15m`, `6h`, `30d`, or a whole number of milliseconds";

export function duration(description: string) {
  return z
    .union(
      [
        z.int({ error: DURATION_PHRASE }).min(0, { error: DURATION_PHRASE }),
        z.string({ error: DURATION_PHRASE }).regex(DURATION_PATTERN, { error: DURATION_PHRASE }),
      ],
      { error: DURATION_PHRASE },
    )
    .describe(description);
}

/** ISO 8601 with an explicit zone: a time without one means different instants to different people. */
const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const TIME_PHRASE = "an ISO 8601 time with a zone, such as `2026-12-05T14:00:00Z`";

export function timestamp(description: string) {
  return z
    .string({ error: TIME_PHRASE })
    .regex(TIME_PATTERN, { error: TIME_PHRASE })
    .refine((value) => Number.isFinite(Date.parse(value)), { error: TIME_PHRASE })
    .describe(description);
}

/** Tag keys: non-empty, at most 128 characters, not in the provider's reserved prefixes. */
export const TAG_KEY_PATTERN = /^(?!aliyun|acs:|https?:\/\/).{1,128}$/;
export const TAG_KEY_PHRASE =
  "1–128 characters not starting with `aliyun`, `acs:`, `http://` or `https://`";
/** Tag values may be empty, otherwise the same rule as keys. */
export const TAG_VALUE_PATTERN = /^(?!aliyun|acs:|https?:\/\/).{0,128}$/;
export const TAG_VALUE_PHRASE =
  'a string of at most 128 characters not starting with `aliyun`, `acs:`, `http://` or `https://` (quote numbers: `"1"`)';
