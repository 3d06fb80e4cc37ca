import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import {
  type AccessToken,
  digestHash,
  type Role,
  sessionDigest,
  tokenHash,
} from "../platform/accessTokens.ts";
import { isLoopbackHost } from "../platform/config.ts";

/**
 * Who is asking: a bearer token or the session cookie, matched against every configured token's
 * hash (`platform/accessTokens.ts`). Each candidate is compared with every token, in constant time
 * and with no early exit, so neither the time nor the outcome of one comparison tells which token
 * (or how much of one) matched. A browser, which cannot add a header to page loads and links, gets
 * a session cookie (`POST /api/session`, or `?token=` on a page once): HttpOnly, SameSite=Strict,
 * Path=/, holding the token's session digest (never the token), accepted by every protected route.
 */

/** Who made a request, as histories, logs and 403 answers name them. */
export interface Identity {
  name: string;
  role: Role;
}

/** An open daemon (loopback, no token): anyone on the machine, with every right, named honestly. */
const ANONYMOUS: Identity = { name: "anonymous", role: "admin" };

export interface AccessCheck {
  /** Who `token` belongs to (typed into the view, a `?token=` a browser was given). */
  identify(token: string): Identity | undefined;
  /** Who the request is from: its bearer token, else its session cookie. */
  identifyRequest(request: FastifyRequest): Identity | undefined;
  /** A `Set-Cookie` that lets this browser in as `token`'s holder. */
  cookie(token: string): string;
}

const SESSION_COOKIE = "smc_waves_session";

/** A `Set-Cookie` that ends the browser's session. */
const CLEARED_SESSION_COOKIE = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the auth hook of every protected scope before any handler runs. */
    identity?: Identity;
  }
}

/** Undefined when there is no token: an open daemon, which `assertSafeBind` keeps on loopback. */
export function accessCheck(tokens: readonly AccessToken[]): AccessCheck | undefined {
  if (tokens.length === 0) return undefined;
  const entries = tokens.map((token) => ({
    identity: { name: token.name, role: token.role },
    hash: Buffer.from(token.hash, "hex"),
  }));
  /** Every entry compared, whatever matched: the work does not depend on which one did. */
  const byHash = (hashHex: string): Identity | undefined => {
    const candidate = Buffer.from(hashHex, "hex");
    let found: Identity | undefined;
    for (const entry of entries) {
      const equal = timingSafeEqual(candidate, entry.hash);
      found = equal && found === undefined ? entry.identity : found;
    }
    return found;
  };
  const identify = (token: string) => byHash(tokenHash(token));
  return {
    identify,
    identifyRequest(request) {
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
      const byBearer = bearer === undefined ? undefined : identify(bearer);
      if (byBearer) return byBearer;
      const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
      // A digest is 64 hex digits; anything else cannot match and is not worth hashing.
      return cookie && /^[0-9a-f]{64}$/.test(cookie) ? byHash(digestHash(cookie)) : undefined;
    },
    cookie: (token) =>
      `${SESSION_COOKIE}=${sessionDigest(token)}; Path=/; HttpOnly; SameSite=Strict`,
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
        ? "The bearer token is not one of this daemon's tokens (SMC_WAVES_API_TOKEN or http.tokens)."
        : "This daemon requires a token: send 'Authorization: Bearer <token>' with SMC_WAVES_API_TOKEN's value or a token of http.tokens (browsers: open the migration view at / and enter it once).",
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
export function assertSafeBind(host: string, tokens: readonly AccessToken[]): void {
  if (isLoopbackHost(host) || tokens.length > 0) return;
  throw new UnsafeBindError(
    `refusing to listen on ${host} without an API token: anyone who reaches it could submit or cancel migrations. Set SMC_WAVES_API_TOKEN (e.g. $(openssl rand -hex 24)) or list named tokens in http.tokens, or bind 127.0.0.1 with SMC_WAVES_HTTP_HOST.`,
  );
}

/**
 * Adds the token check to every route of `scope`: the request's identity, or a 401. No check means
 * an open daemon (loopback), where everyone is `anonymous` with every right. Pages (`pages`: the
 * dashboard) also take `?token=` once, see `enterWithToken`.
 */
export function requireToken(
  scope: FastifyInstance,
  check: AccessCheck | undefined,
  pages: boolean,
): void {
  scope.addHook("onRequest", async (request, reply) => {
    if (!check) {
      request.identity = ANONYMOUS;
      return;
    }
    const offered = (request.query as Record<string, unknown> | undefined)?.token;
    if (pages && typeof offered === "string" && request.method === "GET") {
      return enterWithToken(request, reply, check, offered);
    }
    const identity = check.identifyRequest(request);
    if (identity) {
      request.identity = identity;
      return;
    }
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
  check: AccessCheck,
  offered: string,
): FastifyReply {
  const url = new URL(request.url, "http://localhost");
  url.searchParams.delete("token");
  if (check.identify(offered)) reply.header("set-cookie", check.cookie(offered));
  return reply.redirect(url.pathname + url.search, 303);
}

/**
 * `POST /api/session` with `{ "token": "…" }` sets the session cookie (204) or answers 401;
 * `DELETE /api/session` clears it. Open routes: they are how a browser signs in.
 */
export function sessionRoutes(app: FastifyInstance, check: AccessCheck | undefined): void {
  app.post("/api/session", async (request, reply) => {
    const offered = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof offered !== "string") {
      return reply.code(400).send({
        error: "bad_request",
        message: 'Send JSON {"token": "<one of the daemon\'s API tokens>"}',
      });
    }
    if (!check) return reply.code(204).send();
    const token = offered.trim();
    const identity = check.identify(token);
    if (!identity) return sendUnauthorized(reply, true);
    request.log.info({ by: identity.name, role: identity.role }, "signed in to the view");
    return reply.code(204).header("set-cookie", check.cookie(token)).send();
  });
  app.delete("/api/session", async (_request, reply) =>
    reply.code(204).header("set-cookie", CLEARED_SESSION_COOKIE).send(),
  );
}
