import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isLoopbackHost } from "../platform/config.ts";

/**
 * Bearer-token auth for the API. Tokens are compared as SHA-256 digests with `timingSafeEqual`:
 * equal lengths always, and no early exit that would time out the token character by character.
 * A browser, which cannot add a header to page loads and links, gets a session cookie instead
 * (`POST /api/session`, or `?token=` on a page once): HttpOnly, SameSite=Strict, Path=/, holding a
 * digest of the token rather than the token, and accepted by every protected route.
 */
export interface TokenCheck {
  /** Whether `candidate` is the token (typed into the view, or a `?token=` a browser was given). */
  matches(candidate: string): boolean;
  /** Whether the request carries the token: a bearer header or the session cookie. */
  accepts(request: FastifyRequest): boolean;
  /** Value for a `Set-Cookie` that lets this browser in. */
  cookie(): string;
}

const SESSION_COOKIE = "smc_waves_session";
export const DASHBOARD_PATH = "/dashboard";

/** A `Set-Cookie` that ends the browser's session. */
const CLEARED_SESSION_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
/** The cookie holds this, so a leaked cookie does not reveal the API token itself. */
const cookieValue = (token: string) =>
  createHash("sha256").update(`session:${token}`).digest("hex");

export function tokenCheck(token: string): TokenCheck {
  const expected = digest(token);
  const expectedCookie = digest(cookieValue(token));
  const matches = (candidate: string | undefined, against: Buffer) =>
    candidate !== undefined && timingSafeEqual(digest(candidate), against);
  return {
    matches: (candidate) => matches(candidate, expected),
    accepts(request) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
      if (matches(bearer, expected)) return true;
      return matches(readCookie(request.headers.cookie, SESSION_COOKIE), expectedCookie);
    },
    cookie: () => `${SESSION_COOKIE}=${cookieValue(token)}; Path=/; HttpOnly; SameSite=Strict`,
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
function sendUnauthorized(reply: FastifyReply, hadCredentials: boolean): FastifyReply {
  return reply
    .code(401)
    .header("www-authenticate", 'Bearer realm="smc-waves"')
    .send({
      error: "unauthorized",
      message: hadCredentials
        ? "The bearer token does not match the daemon's SMC_WAVES_API_TOKEN."
        : "This daemon requires a token: send 'Authorization: Bearer <token>' with the value of its SMC_WAVES_API_TOKEN (browsers: open the migration view at / and enter it once).",
    });
}

export class UnsafeBindError extends Error {
  override readonly name = "UnsafeBindError";
}

/**
 * Refuses to serve the API beyond this machine without a token: anyone who could reach the port
 * could otherwise cancel migrations. The daemon's config loader refuses such a config first; this
 * guards every other caller.
 */
export function assertSafeBind(host: string, token: string | undefined): void {
  if (isLoopbackHost(host) || (token !== undefined && token !== "")) return;
  throw new UnsafeBindError(
    `refusing to listen on ${host} without an API token: anyone who reaches it could submit or cancel migrations. Set SMC_WAVES_API_TOKEN (e.g. $(openssl rand -hex 24)), or bind 127.0.0.1 with SMC_WAVES_HTTP_HOST.`,
  );
}

/**
 * Adds the token check to every route of `scope`; no check means an open daemon (loopback). Pages
 * (`pages`: the dashboard) also take `?token=` once, see `enterWithToken`.
 */
export function requireToken(
  scope: FastifyInstance,
  check: TokenCheck | undefined,
  pages: boolean,
): void {
  if (!check) return;
  scope.addHook("onRequest", async (request, reply) => {
    const offered = (request.query as Record<string, unknown> | undefined)?.token;
    if (pages && typeof offered === "string" && request.method === "GET") {
      return enterWithToken(request, reply, check, offered);
    }
    if (check.accepts(request)) return;
    return sendUnauthorized(reply, request.headers.authorization !== undefined);
  });
}

/**
 * `GET <page>?token=…`: a browser's first visit with the token in the link. The token leaves the
 * address bar at once (303 to the same URL without it); the right one also sets the session cookie,
 * a wrong one does not (the page then asks for it).
 */
export function enterWithToken(
  request: FastifyRequest,
  reply: FastifyReply,
  check: TokenCheck,
  offered: string,
): FastifyReply {
  const url = new URL(request.url, "http://localhost");
  url.searchParams.delete("token");
  if (check.matches(offered)) reply.header("set-cookie", check.cookie());
  return reply.redirect(url.pathname + url.search, 303);
}

/**
 * `POST /api/session` with `{ "token": "…" }` sets the session cookie (204) or answers 401;
 * `DELETE /api/session` clears it. Open routes: they are how a browser signs in.
 */
export function sessionRoutes(app: FastifyInstance, check: TokenCheck | undefined): void {
  app.post("/api/session", async (request, reply) => {
    const offered = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof offered !== "string") {
      return reply.code(400).send({
        error: "bad_request",
        message: 'Send JSON {"token": "<the daemon\'s SMC_WAVES_API_TOKEN>"}',
      });
    }
    if (!check) return reply.code(204).send();
    if (!check.matches(offered.trim())) return sendUnauthorized(reply, true);
    return reply.code(204).header("set-cookie", check.cookie()).send();
  });
  app.delete("/api/session", async (_request, reply) =>
    reply.code(204).header("set-cookie", CLEARED_SESSION_COOKIE).send(),
  );
}
