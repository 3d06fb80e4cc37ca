/**
 * One thing wrong with a plan, positioned in its file. `line` and `col` are 1-based; `path` is the
 * dotted path of the offending value (`waves[0].servers[2].systemDiskSize`, `""` for the whole plan).
 */
export interface PlanProblem {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

/** `file:line:col: message`, the shape editors and terminals turn into links. */
export function formatProblem(problem: PlanProblem): string {
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.message}`;
}

/** A warning in the same shape, marked so that a person (and a grep) tells it from a problem. */
export function formatWarning(warning: PlanProblem): string {
  return `${warning.file}:${warning.line}:${warning.col}: warning: ${warning.message}`;
}

/** A path as the schema and the rules see it: mapping keys and list indexes. */
export type PlanPath = readonly (string | number)[];

/**
 * A problem before it has a position: the schema stage and the rules report paths, and the YAML
 * document turns them into lines. `at: "key"` points at the key instead of its value (unknown keys).
 */
export interface Finding {
  path: PlanPath;
  message: string;
  at?: "key" | "value";
  /** A warning does not stop the plan: it runs, and the operator was told. */
  severity?: "warning";
}

/** `["waves", 0, "servers", 2, "name"]` → `waves[0].servers[2].name`. */
export function pathToString(path: PlanPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

/** The name a message uses for the value at `path`: its key, with any list indexes after it. */
export function fieldName(path: PlanPath): string {
  let start = path.length - 1;
  while (start > 0 && typeof path[start] === "number") start -= 1;
  return pathToString(path.slice(start)) || "the plan";
}

/** Longest quoted value a message shows; longer ones are cut with an ellipsis. */
const MAX_QUOTED_CHARS = 60;

/** An identifier (key, server name, id, time) in backticks, as written; non-strings as `quoteValue`. */
export function quoteName(name: unknown): string {
  if (typeof name !== "string") return quoteValue(name);
  return `\`${name.length > MAX_QUOTED_CHARS ? `${name.slice(0, MAX_QUOTED_CHARS - 1)}…` : name}\``;
}

/**
 * A value as a message quotes it: scalars in backticks (strings JSON-quoted so `"10"` and `10` differ),
 * collections and empties by kind, because printing a whole list helps nobody.
 */
export function quoteValue(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return "a mapping";
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  const cut = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS - 1)}…` : text;
  return `\`${cut}\``;
}
