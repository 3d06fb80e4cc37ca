import { z } from "zod";
import { closestName } from "../plan/closestName.ts";
import { REDIS_SECRET_VARIABLES } from "./redisConfig.ts";

/**
 * Environment overrides for the daemon config. Every scalar of the schema is reachable as
 * `SMC_WAVES_<SECTION>_<KEY>` in upper snake case (`orchestrator.pollInterval` →
 * `SMC_WAVES_ORCHESTRATOR_POLL_INTERVAL`, `accounts.default.quota` → `SMC_WAVES_ACCOUNTS_DEFAULT_QUOTA`),
 * and the short names of the orchestrator issue are aliases of the same paths.
 */

const PREFIX = "SMC_WAVES_";

const ALIASES: ReadonlyArray<{ variable: string; path: readonly string[] }> = [
  { variable: "SMC_WAVES_PREFIX", path: ["redis", "prefix"] },
  { variable: "SMC_WAVES_SMC_ENDPOINT", path: ["accounts", "default", "endpoint"] },
  { variable: "SMC_WAVES_QUOTA", path: ["accounts", "default", "quota"] },
  { variable: "SMC_WAVES_MAX_RUNNING_JOBS", path: ["accounts", "default", "maxRunningJobs"] },
];

/** Variables of ours that are not config paths: secrets, the CLI's server URL, the file. */
const OTHER_VARIABLES = [
  "SMC_WAVES_API_TOKEN",
  "SMC_WAVES_URL",
  "SMC_WAVES_CONFIG",
  ...Object.values(REDIS_SECRET_VARIABLES),
];

export interface EnvOverrides {
  /** The raw config with every override applied (a copy; the input is untouched). */
  raw: Record<string, unknown>;
  /** Which variable set each overridden path, keyed by `pathKey(path)`. */
  origins: Map<string, string>;
  problems: string[];
  warnings: string[];
}

export const pathKey = (path: readonly PropertyKey[]): string => path.map(String).join(".");

function envName(path: readonly string[]): string {
  const upper = path.map((segment) =>
    segment
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/-/g, "_")
      .toUpperCase(),
  );
  return PREFIX + upper.join("_");
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional
  ) {
    current = current.def.innerType as z.ZodType;
  }
  return current;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

interface Leaf {
  path: string[];
  schema: z.ZodType;
}

/** Every scalar path of `schema`; records (accounts) contribute one set per name present in `raw`. */
function leaves(schema: z.ZodType, raw: unknown, path: string[] = []): Leaf[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
      leaves(child, isRecord(raw) ? raw[key] : undefined, [...path, key]),
    );
  }
  if (inner instanceof z.ZodRecord) {
    const names = isRecord(raw) ? Object.keys(raw) : [];
    return names.flatMap((name) =>
      leaves(inner.def.valueType as z.ZodType, isRecord(raw) ? raw[name] : undefined, [
        ...path,
        name,
      ]),
    );
  }
  return [{ path, schema: inner }];
}

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  false: false,
  yes: true,
  no: false,
  on: true,
  off: false,
  "1": true,
  "0": false,
};

/** The first reading of `text` the leaf accepts: as text, as a number, as a boolean; else the text. */
function coerce(schema: z.ZodType, text: string): unknown {
  const candidates: unknown[] = [text];
  if (/^-?\d+(\.\d+)?$/.test(text.trim())) candidates.push(Number(text));
  const word = BOOLEAN_WORDS[text.trim().toLowerCase()];
  if (word !== undefined) candidates.push(word);
  return candidates.find((candidate) => schema.safeParse(candidate).success) ?? text;
}

function setPath(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): boolean {
  let node = target;
  for (const segment of path.slice(0, -1)) {
    const next = node[segment] ?? {};
    // A non-object here is a file error reported by the schema; the override has nowhere to go.
    if (!isRecord(next)) return false;
    node[segment] = next;
    node = next;
  }
  node[path[path.length - 1] ?? ""] = value;
  return true;
}

export function applyEnvOverrides(
  schema: z.ZodType,
  raw: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): EnvOverrides {
  const result: EnvOverrides = {
    raw: structuredClone(raw),
    origins: new Map(),
    problems: [],
    warnings: [],
  };
  const known = new Set(OTHER_VARIABLES);
  const byPath = new Map<string, Array<{ variable: string; text: string }>>();
  const note = (variable: string, path: readonly string[]) => {
    known.add(variable);
    const text = env[variable];
    if (text === undefined) return;
    const list = byPath.get(pathKey(path)) ?? [];
    list.push({ variable, text });
    byPath.set(pathKey(path), list);
  };

  const allLeaves = leaves(schema, result.raw);
  for (const leaf of allLeaves) note(envName(leaf.path), leaf.path);
  for (const alias of ALIASES) note(alias.variable, alias.path);

  for (const leaf of allLeaves) {
    const settings = byPath.get(pathKey(leaf.path));
    if (!settings) continue;
    const [first, ...others] = settings;
    if (!first) continue;
    const disagreeing = others.find((other) => other.text !== first.text);
    if (disagreeing) {
      result.problems.push(
        `environment: ${first.variable}=${JSON.stringify(first.text)} and ${disagreeing.variable}=${JSON.stringify(disagreeing.text)} both set ${pathKey(leaf.path)}; unset one of them`,
      );
      continue;
    }
    if (setPath(result.raw, leaf.path, coerce(leaf.schema, first.text))) {
      result.origins.set(pathKey(leaf.path), first.variable);
    }
  }

  for (const variable of Object.keys(env)) {
    if (!variable.startsWith(PREFIX) || known.has(variable)) continue;
    const suggestion = closestName(variable, known);
    result.warnings.push(
      `environment: ${variable} is not a setting smc-waves knows${suggestion ? `; did you mean ${suggestion}?` : ""}`,
    );
  }
  return result;
}

/**
 * The keys a mapping at `path` of `schema` allows (account names are free, so none there). A list
 * index steps into the item (a webhook; a Redis node, a `"host:port"` or a `{ host, port }`).
 */
export function keysAt(schema: z.ZodType, path: readonly string[]): string[] {
  let node = mappingOf(unwrap(schema));
  for (const segment of path) {
    if (node instanceof z.ZodObject) {
      const child = (node.shape as Record<string, z.ZodType>)[segment];
      if (!child) return [];
      node = mappingOf(unwrap(child));
    } else if (node instanceof z.ZodRecord) {
      node = mappingOf(unwrap(node.def.valueType as z.ZodType));
    } else if (node instanceof z.ZodArray) {
      // A list item (a webhook, a Redis node): the segment is its index.
      node = mappingOf(unwrap(node.element as z.ZodType));
    } else {
      return [];
    }
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

/** Past a preprocessing step, and the mapping among a union's alternatives. */
function mappingOf(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodPipe) return mappingOf(unwrap(schema.def.out as z.ZodType));
  if (schema instanceof z.ZodUnion) {
    const options = schema.def.options as readonly z.ZodType[];
    return options.find((option) => option instanceof z.ZodObject) ?? schema;
  }
  return schema;
}
