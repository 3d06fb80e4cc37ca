/**
 * Alibaba Cloud credentials from, in order: explicit config, the standard environment variables, the
 * standard profile file (`~/.alibabacloud/credentials`, ini).
 *
 * Why a small reader of our own rather than `@alicloud/credentials`: its default chain ends by probing
 * the ECS metadata service (100.100.100.200), which on a laptop or CI runner hangs until a timeout,
 * and it pulls a large dependency tree for the two profile types smc-waves needs (`access_key`, `sts`).
 * Users of RAM roles can still hand the client a `CredentialsProvider` that refreshes STS tokens.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** Present for STS credentials (AccessKeyId `STS.…`); sent as `SecurityToken`. */
  securityToken?: string;
}

/** Called before every request, so STS tokens can rotate; keep it cheap (cache inside). */
export type CredentialsProvider = () => Credentials | Promise<Credentials>;

export interface ResolvedCredentials {
  credentials: Credentials;
  /** Where they came from, for a startup log line, e.g. `profile "default" in /home/u/.alibabacloud/credentials`. */
  source: string;
}

export interface ResolveCredentialsOptions {
  /** From the daemon's own config; wins when `accessKeyId` or `accessKeySecret` is given. */
  explicit?: Partial<Credentials>;
  /** @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where `~` is, for the profile file. @default os.homedir() */
  homeDir?: string;
}

const ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID";
const ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
const ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN";
const ENV_PROFILE = "ALIBABA_CLOUD_PROFILE";
const ENV_CREDENTIALS_FILE = "ALIBABA_CLOUD_CREDENTIALS_FILE";

/** Bad or missing credentials. Its message names sources, files and fields, never a secret. */
export class CredentialsError extends Error {
  override readonly name = "CredentialsError";
}

const REDACTED = "***";

/**
 * Returns `credentials` with non-enumerable `toJSON` and `util.inspect` hooks that print the secret
 * and token as `***`, so a stray log of the object leaks nothing. Spreading it drops the hooks.
 */
export function protectCredentials(credentials: Credentials): Credentials {
  const copy: Credentials = {
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
  };
  if (credentials.securityToken) copy.securityToken = credentials.securityToken;
  const redacted = () => ({
    accessKeyId: copy.accessKeyId,
    accessKeySecret: REDACTED,
    ...(copy.securityToken ? { securityToken: REDACTED } : {}),
  });
  Object.defineProperty(copy, "toJSON", { value: redacted, enumerable: false });
  Object.defineProperty(copy, inspect.custom, { value: redacted, enumerable: false });
  return copy;
}

const given = (value: string | undefined): value is string => value !== undefined && value !== "";

/** Resolves credentials (see the file comment); throws `CredentialsError` saying what was tried. */
export async function resolveCredentials(
  options: ResolveCredentialsOptions = {},
): Promise<ResolvedCredentials> {
  const env = options.env ?? process.env;
  const tried: string[] = [];

  const explicit = options.explicit ?? {};
  if (given(explicit.accessKeyId) || given(explicit.accessKeySecret)) {
    return {
      credentials: complete(
        explicit.accessKeyId,
        explicit.accessKeySecret,
        explicit.securityToken,
        "explicit config",
        "accessKeyId",
        "accessKeySecret",
      ),
      source: "explicit config",
    };
  }
  tried.push("explicit config (none given)");

  const envId = env[ENV_ACCESS_KEY_ID];
  const envSecret = env[ENV_ACCESS_KEY_SECRET];
  if (given(envId) || given(envSecret)) {
    return {
      credentials: complete(
        envId,
        envSecret,
        env[ENV_SECURITY_TOKEN],
        "environment variables",
        ENV_ACCESS_KEY_ID,
        ENV_ACCESS_KEY_SECRET,
      ),
      source: "environment variables",
    };
  }
  tried.push(`environment variables ${ENV_ACCESS_KEY_ID} / ${ENV_ACCESS_KEY_SECRET} (not set)`);

  const fileOverride = env[ENV_CREDENTIALS_FILE];
  const path = given(fileOverride)
    ? fileOverride
    : join(options.homeDir ?? homedir(), ".alibabacloud", "credentials");
  const profile = given(env[ENV_PROFILE]) ? env[ENV_PROFILE] : "default";
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason =
      errnoCode(error) === "ENOENT"
        ? "file not found"
        : `unreadable: ${errnoCode(error) ?? "error"}`;
    // A file the user named explicitly must exist; the default one is just the last thing to try.
    if (given(fileOverride)) {
      throw new CredentialsError(
        `Credentials file ${path} (from ${ENV_CREDENTIALS_FILE}): ${reason}`,
      );
    }
    tried.push(`profile "${profile}" in ${path} (${reason})`);
    throw new CredentialsError(
      `No Alibaba Cloud credentials found. Tried: ${tried.join("; ")}. Set ${ENV_ACCESS_KEY_ID} and ${ENV_ACCESS_KEY_SECRET}, or write a profile to ${path}.`,
    );
  }
  return {
    credentials: fromProfile(parseIni(text), profile, path),
    source: `profile "${profile}" in ${path}`,
  };
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function complete(
  id: string | undefined,
  secret: string | undefined,
  token: string | undefined,
  where: string,
  idName: string,
  secretName: string,
): Credentials {
  if (!given(id))
    throw new CredentialsError(`${where}: ${secretName} is set but ${idName} is missing`);
  if (!given(secret))
    throw new CredentialsError(`${where}: ${idName} is set but ${secretName} is missing`);
  return protectCredentials({
    accessKeyId: id,
    accessKeySecret: secret,
    ...(given(token) ? { securityToken: token } : {}),
  });
}

function fromProfile(
  sections: Map<string, Map<string, string>>,
  profile: string,
  path: string,
): Credentials {
  const where = `profile "${profile}" in ${path}`;
  const section = sections.get(profile);
  if (!section) {
    const known = [...sections.keys()].map((name) => `"${name}"`).join(", ") || "none";
    throw new CredentialsError(
      `${where}: no such profile (profiles in the file: ${known}; choose one with ${ENV_PROFILE})`,
    );
  }
  const type = section.get("type") ?? "access_key";
  if (type !== "access_key" && type !== "sts") {
    throw new CredentialsError(
      `${where}: type "${type}" is not supported; smc-waves reads type = access_key (access_key_id, access_key_secret) and type = sts (plus security_token)`,
    );
  }
  const credentials = complete(
    section.get("access_key_id"),
    section.get("access_key_secret"),
    undefined,
    where,
    "access_key_id",
    "access_key_secret",
  );
  if (type === "access_key") return credentials;
  const token = section.get("security_token");
  if (!given(token)) throw new CredentialsError(`${where}: type = sts needs security_token`);
  return protectCredentials({ ...credentials, securityToken: token });
}

/**
 * A minimal ini reader: `[section]` headers, `key = value` lines, `;`/`#` comment lines, values
 * optionally in matching quotes. Keys outside any section are ignored.
 */
export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      const name = header[1].trim();
      current = sections.get(name) ?? new Map<string, string>();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || !current) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    current.set(key, value);
  }
  return sections;
}
