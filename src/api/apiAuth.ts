import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * Bearer-token auth for the API. Tokens are compared as SHA-256 digests with `timingSafeEqual`:
 * equal lengths always, and no early exit that would time out the token character by character.
 */
export interface TokenCheck {
  /** Whether `candidate` is the token (a `?token=` a browser was given). */
  matches(candidate: string): boolean;
  /** Whether the request carries the token (header, or for the dashboard its cookie). */
  accepts(request: FastifyRequest, options?: { cookie?: boolean }): boolean;
  /** Value for a `Set-Cookie` that lets a browser into the dashboard: a digest, not the token. */
  cookie(): string;
}

const DASHBOARD_COOKIE = "smc_waves_dashboard";
export const DASHBOARD_PATH = "/dashboard";

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
/** The cookie holds this, so a leaked cookie does not reveal the API token itself. */
const cookieValue = (token: string) =>
  createHash("sha256").update(`dashboard:${token}`).digest("hex");

export function tokenCheck(token: string): TokenCheck {
  const expected = digest(token);
  const expectedCookie = digest(cookieValue(token));
  const matches = (candidate: string | undefined, against: Buffer) =>
    candidate !== undefined && timingSafeEqual(digest(candidate), against);
  return {
    matches: (candidate) => matches(candidate, expected),
    accepts(request, options = {}) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
      if (matches(bearer, expected)) return true;
      if (!options.cookie) return false;
      return matches(readCookie(request.headers.cookie, DASHBOARD_COOKIE), expectedCookie);
    },
    cookie: () =>
      `${DASHBOARD_COOKIE}=${cookieValue(token)}; Path=${DASHBOARD_PATH}; HttpOnly; SameSite=Strict`,
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/** The 401 every protected route gives, saying what would work. */
export function sendUnauthorized(reply: FastifyReply, hadCredentials: boolean): FastifyReply {
  return reply
    .code(401)
    .header("www-authenticate", 'Bearer realm="smc-waves"')
    .send({
      error: "unauthorized",
      message: hadCredentials
        ? "The bearer token does not match the daemon's SMC_WAVES_API_TOKEN."
        : "This daemon requires a token: send 'Authorization: Bearer <token>' with the value of its SMC_WAVES_API_TOKEN (browsers: open /dashboard?token=<token> or /?token=<token>).",
    });
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

export class UnsafeBindError extends Error {
  override readonly name = "UnsafeBindError";
}

/**
 * Refuses to serve the API beyond this machine without a token: anyone who can reach the port could
 * otherwise cancel migrations.
 */
export function assertSafeBind(host: string, token: string | undefined): void {
  if (isLoopback(host) || (token !== undefined && token !== "")) return;
  throw new UnsafeBindError(
    `refusing to listen on ${host} without an API token: anyone who reaches it could submit or cancel migrations. Set SMC_WAVES_API_TOKEN (e.g. $(openssl rand -hex 24)), or bind 127.0.0.1 with SMC_WAVES_HTTP_HOST.`,
  );
}
