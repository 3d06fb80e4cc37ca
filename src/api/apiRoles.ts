import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type Role, roleAllows } from "../platform/accessTokens.ts";
import type { Identity } from "./apiAuth.ts";

/**
 * Which role each route needs. A route declares it in one line of its options,
 * `needs("operator", "pause", "pausing a plan")`, and one hook (`requireRoles`) checks it for every
 * route of a scope. A route that declares nothing is for viewers when it only reads (GET, HEAD) and
 * for admins otherwise: a new write route nobody thought about is refused, not open.
 */
export interface RouteAccess {
  role: Role;
  /** Short name of the action, as `GET /api/session` lists what the caller may do: `pause`. */
  action: string;
  /** The action in a 403's sentence: "pausing a plan". */
  doing: string;
}

declare module "fastify" {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

/** Route options declaring the role a route needs. */
export function needs(
  role: Role,
  action: string,
  doing: string,
): { config: { access: RouteAccess } } {
  return { config: { access: { role, action, doing } } };
}

const READS = new Set(["GET", "HEAD"]);

function accessOf(request: FastifyRequest): RouteAccess {
  const declared = request.routeOptions.config.access;
  if (declared) return declared;
  const route = `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`;
  return READS.has(request.method)
    ? { role: "viewer", action: route, doing: `reading ${route}` }
    : { role: "admin", action: route, doing: route };
}

/** "token 'bob' has role viewer; pausing a plan needs operator (or admin)". */
function forbiddenMessage(identity: Identity, access: RouteAccess): string {
  const above = access.role === "admin" ? "" : access.role === "operator" ? " (or admin)" : "";
  return `token '${identity.name}' has role ${identity.role}; ${access.doing} needs ${access.role}${above}`;
}

function sendForbidden(
  request: FastifyRequest,
  reply: FastifyReply,
  identity: Identity,
  access: RouteAccess,
): FastifyReply {
  // Refused attempts belong to the audit trail as much as the actions that happened.
  request.log.warn(
    { by: identity.name, role: identity.role, action: access.action, needs: access.role },
    "access refused",
  );
  return reply.code(403).send({ error: "forbidden", message: forbiddenMessage(identity, access) });
}

/**
 * Checks every route of `scope` against its declared role; runs after `requireToken` set the
 * request's identity (hooks run in the order they were added).
 */
export function requireRoles(scope: FastifyInstance): void {
  scope.addHook("onRequest", async (request, reply) => {
    const identity = request.identity;
    // requireToken answered 401 already, or the route is open: nothing to check.
    if (!identity) return;
    const access = accessOf(request);
    if (!roleAllows(identity.role, access.role)) {
      return sendForbidden(request, reply, identity, access);
    }
  });
}

/** What the app's route table says about roles, collected as routes are added. */
export interface AccessTable {
  /** Every declared action: `GET /api/session` tells the view which the caller may take. */
  actions(): ReadonlyArray<RouteAccess>;
  /** The role `METHOD url` (fastify's `/api/plans/:id` form) needs; the OpenAPI document shows it. */
  roleOf(method: string, url: string): Role;
}

/** Must be called before any route is added (fastify runs `onRoute` for later routes only). */
export function collectAccess(app: FastifyInstance): AccessTable {
  const actions = new Map<string, RouteAccess>();
  const roles = new Map<string, Role>();
  app.addHook("onRoute", (route) => {
    const access = (route.config as { access?: RouteAccess } | undefined)?.access;
    if (access) actions.set(access.action, access);
    for (const method of [route.method].flat()) {
      roles.set(`${method} ${route.url}`, access?.role ?? (READS.has(method) ? "viewer" : "admin"));
    }
  });
  return {
    actions: () => [...actions.values()],
    roleOf: (method, url) =>
      roles.get(`${method} ${url}`) ?? (READS.has(method) ? "viewer" : "admin"),
  };
}

/** One role for every route of `scope`, whatever the method: the admin dashboard, for one. */
export function requireRole(scope: FastifyInstance, access: RouteAccess): void {
  scope.addHook("onRequest", async (request, reply) => {
    const identity = request.identity;
    if (identity && !roleAllows(identity.role, access.role)) {
      return sendForbidden(request, reply, identity, access);
    }
  });
}
