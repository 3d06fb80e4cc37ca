import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { z } from "zod";
import { compileNotifications } from "../notifications/notificationConfig.ts";
import { maskUrl } from "../notifications/secret.ts";
import { closestName } from "../plan/closestName.ts";
import { type PlanDocument, parsePlanDocument } from "../plan/planDocument.ts";
import { applyEnvOverrides, keysAt, pathKey } from "./configEnv.ts";
import { compileConfig, configSchema, type DaemonConfig } from "./configSchema.ts";
import { tokenProblems } from "./configTokens.ts";
import { maskedUrl } from "./maskedUrl.ts";
import { preferEnvironmentTarget, REDIS_SECRET_VARIABLES } from "./redisConfig.ts";

export type { DaemonConfig } from "./configSchema.ts";

export interface LoadConfigOptions {
  /**
   * The config file, relative to `cwd`. @default `SMC_WAVES_CONFIG` from `env`, else
   * `config/smc-waves.yaml` when it exists, else built-in defaults only.
   */
  file?: string;
  /** Usually `process.env`; every `SMC_WAVES_*` value overrides the file. */
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export interface LoadedConfig {
  config: DaemonConfig;
  /** The file read, as given or found; absent when only defaults and environment applied. */
  file?: string;
  /** Not fatal, worth a log line: unknown `SMC_WAVES_*` variables, a short API token. */
  warnings: string[];
}

/** Every problem of a config, one `where: message` line each; never a stack trace for people. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

const DEFAULT_CONFIG_FILE = "config/smc-waves.yaml";

/** A token shorter than this is guessable; it still works, with a warning. */
const MIN_TOKEN_LENGTH = 16;

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { env, cwd } = options;
  const explicit = options.file ?? env.SMC_WAVES_CONFIG;
  const file =
    explicit ?? (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
  const shown = file && (isAbsolute(file) ? relative(cwd, file) || file : file);

  // The plan module's positioned-YAML reader: same limits (size, nesting, aliases) and positions.
  let yaml: PlanDocument | undefined;
  let raw: Record<string, unknown> = {};
  if (file !== undefined && shown !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(cwd, file), "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError([
        `${shown}: cannot read the config file (${code ?? String(error)}); pass --config with an existing file or unset SMC_WAVES_CONFIG`,
      ]);
    }
    // Comments only (or nothing): every value takes its default.
    const blank = text.split("\n").every((line) => /^\s*(#.*)?$/.test(line));
    yaml = blank ? undefined : parsePlanDocument(text);
    if (yaml && yaml.problems.length > 0) {
      throw new ConfigError(yaml.problems.map((p) => `${shown}:${p.line}:${p.col}: ${p.message}`));
    }
    const value = yaml?.data;
    if (
      value !== undefined &&
      value !== null &&
      (typeof value !== "object" || Array.isArray(value))
    ) {
      throw new ConfigError([
        `${shown}:1:1: expected a mapping of sections (${Object.keys(configSchema.shape).join(", ")}), got ${show(value)}`,
      ]);
    }
    raw = (value as Record<string, unknown> | null | undefined) ?? {};
  }

  // Plans run in account `default` unless they name another, so it always exists.
  const accounts = raw.accounts ?? {};
  if (
    typeof accounts === "object" &&
    accounts !== null &&
    !Array.isArray(accounts) &&
    !("default" in accounts)
  ) {
    raw = { ...raw, accounts: { ...accounts, default: {} } };
  }

  const overrides = applyEnvOverrides(configSchema, raw, env);
  preferEnvironmentTarget(overrides.raw, (path) => overrides.origins.has(path));
  const warnings = [...overrides.warnings];
  const token = env.SMC_WAVES_API_TOKEN === "" ? undefined : env.SMC_WAVES_API_TOKEN;
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    warnings.push(
      `environment: SMC_WAVES_API_TOKEN is ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} random ones (openssl rand -hex 24)`,
    );
  }

  const parsed = configSchema.safeParse(overrides.raw, { reportInput: true });
  const problems = [...overrides.problems];
  // Webhook URLs and secrets named by environment variable are read once the file is valid.
  const notifications = parsed.success
    ? compileNotifications(parsed.data.notifications, env)
    : undefined;
  const described: Described[] = parsed.success
    ? [
        ...(notifications?.problems ?? []),
        ...tokenProblems(parsed.data.http.tokens, token),
        ...unsafeBind(
          parsed.data.http.host,
          token !== undefined || parsed.data.http.tokens.length > 0,
        ),
      ]
    : parsed.error.issues.flatMap(describeIssue);
  if (described.length > 0) {
    const located = described.map((problem) => {
      const what = `${pathKey(problem.path)}: ${problem.message}`;
      const variable = originOf(overrides.origins, problem.path);
      if (variable || !yaml || !shown) {
        return { order: -1, text: `${variable ? `environment ${variable}` : "defaults"}: ${what}` };
      }
      const { line, col } = yaml.locate(
        problem.path.map((segment) => (typeof segment === "number" ? segment : String(segment))),
        problem.atKey ? "key" : "value",
      );
      return { order: line * 10_000 + col, text: `${shown}:${line}:${col}: ${what}` };
    });
    // Environment problems first, then the file's in reading order.
    problems.push(...located.sort((a, b) => a.order - b.order).map((p) => p.text));
  }
  if (problems.length > 0 || !parsed.success || !notifications) throw new ConfigError(problems);
  const secret = (name: string) => (env[name] === "" ? undefined : env[name]);
  const redisPassword = secret(REDIS_SECRET_VARIABLES.password);
  const redisSentinelPassword = secret(REDIS_SECRET_VARIABLES.sentinelPassword);
  const config = compileConfig(
    parsed.data,
    {
      ...(token === undefined ? {} : { apiToken: token }),
      ...(redisPassword === undefined ? {} : { redisPassword }),
      ...(redisSentinelPassword === undefined ? {} : { redisSentinelPassword }),
    },
    notifications.config,
  );
  return { config, ...(shown ? { file: shown } : {}), warnings };
}

/**
 * The variable that set `path` or one of its ancestors: a list given as one variable
 * (`SMC_WAVES_REDIS_SENTINELS=a:1,b`) has its problems at `redis.sentinels.1`.
 */
function originOf(origins: ReadonlyMap<string, string>, path: readonly PropertyKey[]) {
  for (let length = path.length; length > 0; length--) {
    const variable = origins.get(pathKey(path.slice(0, length)));
    if (variable) return variable;
  }
  return undefined;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

/** Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * The API beyond this machine without a token would let anyone who reaches the port submit or
 * cancel migrations: a config problem, found before the daemon touches Redis or SMC.
 */
function unsafeBind(host: string, hasToken: boolean): Described[] {
  if (isLoopbackHost(host) || hasToken) return [];
  return [
    {
      path: ["http", "host"],
      message: `${JSON.stringify(host)} is reachable from other machines and the API has no token (SMC_WAVES_API_TOKEN is not set and http.tokens is empty): anyone who reaches the port could submit or cancel migrations. Set SMC_WAVES_API_TOKEN (e.g. $(openssl rand -hex 24)) or list named tokens in http.tokens (smc-waves token new), or bind 127.0.0.1`,
    },
  ];
}

interface Described {
  path: PropertyKey[];
  message: string;
  /** Point at the key rather than its value (unknown keys, bad account names). */
  atKey?: boolean;
}

const SECRET_KEY = /secret|accesskey|securitytoken|token|password/i;

/** `notifications.webhooks.<n>.url`: chat webhook URLs carry their token, so never quoted. */
const isWebhookUrl = (path: readonly PropertyKey[]): boolean =>
  path[0] === "notifications" && path[path.length - 1] === "url";

/** `http.tokens.<n>.hash`: a person may paste the token itself there by mistake, so never quoted. */
const isTokenHash = (path: readonly PropertyKey[]): boolean =>
  path[0] === "http" && path[1] === "tokens" && path[path.length - 1] === "hash";

function shownWebhookUrl(input: unknown): string {
  const masked = typeof input === "string" ? maskUrl(input) : undefined;
  return masked
    ? `, got ${JSON.stringify(masked)} (the rest is not shown: webhook URLs carry tokens)`
    : " (the value is not shown: webhook URLs carry tokens)";
}

function describeIssue(issue: z.core.$ZodIssue): Described[] {
  const path = [...issue.path];
  // A cross-field rule (give exactly one of two keys) gets the whole mapping: nothing to quote.
  const got =
    issue.code === "custom" && (issue.input === undefined || typeof issue.input === "object")
      ? ""
      : isWebhookUrl(path)
        ? shownWebhookUrl(issue.input)
        : isTokenHash(path)
          ? `, got ${typeof issue.input === "string" ? `${issue.input.length} characters` : show(issue.input)} (not shown: it may be a token)`
          : `, got ${show(issue.input)}`;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const known = keysAt(configSchema, path.map(String));
        const suggestion = closestName(key, known);
        if (path[0] === "notifications") {
          const hint = suggestion
            ? `; did you mean "${suggestion}"?`
            : SECRET_KEY.test(key)
              ? "; secrets never go in this file: put the secret in an environment variable and name it with secretEnv"
              : `; known keys here: ${known.join(", ")}`;
          return { path: [...path, key], atKey: true, message: `unknown key "${key}"${hint}` };
        }
        if (path[0] === "http" && path[1] === "tokens" && path.length === 3) {
          const hint = SECRET_KEY.test(key)
            ? "; never put a token itself in this file: give its hash (smc-waves token hash reads the token from stdin)"
            : `; a token has ${known.join(", ")}`;
          return { path: [...path, key], atKey: true, message: `unknown key "${key}"${hint}` };
        }
        const hint = SECRET_KEY.test(key)
          ? path[0] === "redis"
            ? `; secrets never go in this file: the Redis password comes from ${REDIS_SECRET_VARIABLES.password}, the sentinels' from ${REDIS_SECRET_VARIABLES.sentinelPassword}`
            : "; secrets never go in this file: the admin API token comes from SMC_WAVES_API_TOKEN, named tokens go in http.tokens as hashes (smc-waves token new), AccessKeys from ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET or ~/.alibabacloud/credentials (credentials.profile picks a profile)"
          : suggestion
            ? `; did you mean "${suggestion}"?`
            : `; known keys here: ${known.join(", ")}`;
        return { path: [...path, key], atKey: true, message: `unknown key "${key}"${hint}` };
      });
    case "invalid_key":
      return [
        {
          path,
          atKey: true,
          message: `account name ${show(issue.input)} must be lower case letters, digits and "-", starting with a letter (it becomes part of SMC_WAVES_ACCOUNTS_<NAME>_* variables)`,
        },
      ];
    case "invalid_type":
      if (issue.input === undefined) return [{ path, message: "is required" }];
      return [{ path, message: `expected ${kind(issue.expected)}${got}` }];
    case "too_small":
      if (issue.origin === "string") return [{ path, message: `must not be empty${got}` }];
      return [
        {
          path,
          message: `expected ${issue.inclusive ? "at least" : "more than"} ${issue.minimum}${got}`,
        },
      ];
    case "too_big":
      return [
        {
          path,
          message: `expected ${issue.inclusive ? "at most" : "less than"} ${issue.maximum}${got}`,
        },
      ];
    case "invalid_value": {
      const values = issue.values.map((value) => JSON.stringify(value));
      const suggestion =
        typeof issue.input === "string"
          ? closestName(issue.input, issue.values.map(String))
          : undefined;
      return [
        {
          path,
          message: `expected one of ${values.join(", ")}${got}${suggestion ? `; did you mean "${suggestion}"?` : ""}`,
        },
      ];
    }
    case "invalid_union": {
      // A value of the right kind for one alternative (a mapping where a node may be "host:port"
      // or { host, port }) is judged by that alternative alone.
      const sameKind = issue.errors.filter(
        (inner) =>
          !inner.some(
            (i) => (i.code === "invalid_type" || i.code === "invalid_value") && i.path.length === 0,
          ),
      );
      if (sameKind.length === 1 && sameKind[0])
        return sameKind[0].flatMap((inner) =>
          describeIssue({ ...inner, path: [...path, ...inner.path] } as z.core.$ZodIssue),
        );
      const alternatives = issue.errors.flat().map((inner) => {
        if (inner.code === "invalid_value")
          return inner.values.map((v) => JSON.stringify(v)).join(" or ");
        if (inner.code === "invalid_type") return kind(inner.expected);
        return inner.message;
      });
      return [{ path, message: `expected ${alternatives.join(" or ")}${got}` }];
    }
    case "custom":
      // A rule about several values (which Redis target) has no one value to quote.
      if (issue.params?.quoteInput === false) return [{ path, message: issue.message }];
      return [{ path, message: `${issue.message}${got}` }];
    default:
      return [{ path, message: `${issue.message}${got}` }];
  }
}

function kind(expected: string): string {
  switch (expected) {
    case "int":
      return "a whole number";
    case "number":
      return "a number";
    case "string":
      return "text";
    case "boolean":
      return "true or false";
    case "object":
    case "record":
      return "a mapping";
    default:
      return expected;
  }
}

/** A value quoted for a message; a password inside a URL (a Redis URL) is masked. */
function show(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null (an empty value)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return JSON.stringify(typeof value === "string" ? maskedUrl(value) : value);
}
