import { createHash, randomBytes } from "node:crypto";

/**
 * Named API tokens and their roles. The config holds a hash of each token, never the token: the file
 * may live in git or a ConfigMap. The hash is two SHA-256 steps,
 *
 *   session digest = sha256hex("smc-waves session:" + token)   (what a browser's session cookie holds)
 *   token hash     = sha256hex(session digest)                 (what the config holds)
 *
 * so the daemon can check a bearer token (both steps) and a session cookie (the second step) against
 * the same configured value, while neither the config nor a cookie gives the token away, and nobody
 * who reads the config can make a cookie from it. `smc-waves token hash` prints the hash; the shell
 * can too (docs/operations.md, "Tokens and roles").
 */

/** Who may do what, each including the ones before it. */
export const ROLES = ["viewer", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Whether `role` includes `needed` (an admin may do what an operator may, and so on). */
export const roleAllows = (role: Role, needed: Role): boolean =>
  ROLES.indexOf(role) >= ROLES.indexOf(needed);

/** One configured token: whose it is, what it may do, and its hash. */
export interface AccessToken {
  name: string;
  role: Role;
  /** `tokenHash(token)`: 64 lower-case hex digits. */
  hash: string;
}

/** The name `SMC_WAVES_API_TOKEN` acts under: an admin token, as that one token always was. */
export const ENV_TOKEN_NAME = "admin";

/**
 * Names that already mean something in a plan's history (`cli` in-process, `anonymous` on an open
 * daemon, the cut-over's `window` and `immediate`): a token may not take them.
 */
export const RESERVED_TOKEN_NAMES = ["anonymous", "cli", "window", "immediate", "system"];

/** Letters, digits, `.`, `_`, `-` and `@`: shown in logs and histories as is. */
export const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9._@-]{0,63}$/;

const sha256hex = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** What a browser's session cookie holds for `token`. */
export const sessionDigest = (token: string): string => sha256hex(`smc-waves session:${token}`);

/** What the config holds for `token`. */
export const tokenHash = (token: string): string => sha256hex(sessionDigest(token));

/** The hash of a session digest (a cookie's value), to compare with the configured ones. */
export const digestHash = (digest: string): string => sha256hex(digest);

/** A new random token: 32 bytes, URL-safe, so it fits a header, a link and a shell variable. */
export const newToken = (): string => randomBytes(32).toString("base64url");

/** `SMC_WAVES_API_TOKEN` as a configured token. */
export const envAccessToken = (token: string): AccessToken => ({
  name: ENV_TOKEN_NAME,
  role: "admin",
  hash: tokenHash(token),
});
