import type { FastifyInstance } from "fastify";
import { SERVER_STATUSES, type ServerStatus } from "../lifecycle/statuses.ts";
import { PlanTargetError } from "../orchestrator/planErrors.ts";
import type { Migrations, ServerQuery } from "../orchestrator/views.ts";

/** Servers a page holds unless `limit` says otherwise. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The most a page holds: 500 servers are about 250 KB of JSON, histories aside. */
export const MAX_PAGE_LIMIT = 500;

class BadQuery extends Error {
  readonly statusCode = 400;
}

/** The query `GET /api/plans/:id/servers` takes, as the client sent it. */
interface RawQuery {
  wave?: string;
  status?: string;
  waiting?: string;
  kept?: string;
  history?: string;
  cursor?: string;
  limit?: string;
}

/**
 * `GET /api/plans/:id/servers`: a plan's servers a page at a time, in plan order, so the view and
 * the CLI never hold a large plan's every server at once. Bad parameters answer 400 saying why.
 */
export async function serverRoutes(
  app: FastifyInstance,
  options: { migrations: Migrations },
): Promise<void> {
  app.get<{ Params: { id: string }; Querystring: RawQuery }>(
    "/api/plans/:id/servers",
    async (request, reply) => {
      const query = parseQuery(request.query);
      try {
        const page = await options.migrations.serverPage(request.params.id, query);
        if (page) return page;
      } catch (error) {
        if (error instanceof PlanTargetError)
          return reply.code(400).send({ error: "bad_request", message: error.message });
        throw error;
      }
      return reply.code(404).send({
        error: "not_found",
        message: `There is no plan with id "${request.params.id}".`,
      });
    },
  );
}

function parseQuery(raw: RawQuery): ServerQuery {
  const statuses = raw.status === undefined ? undefined : parseStatuses(raw.status);
  return {
    ...(raw.wave === undefined ? {} : { wave: nonEmpty("wave", raw.wave) }),
    ...(statuses ? { statuses } : {}),
    ...(flag("waiting", raw.waiting) ? { waiting: true } : {}),
    ...(flag("kept", raw.kept) ? { kept: true } : {}),
    ...(flag("history", raw.history) ? { history: true } : {}),
    cursor: raw.cursor === undefined ? 0 : whole("cursor", raw.cursor, 0, Number.MAX_SAFE_INTEGER),
    limit:
      raw.limit === undefined ? DEFAULT_PAGE_LIMIT : whole("limit", raw.limit, 1, MAX_PAGE_LIMIT),
  };
}

function parseStatuses(text: string): ServerStatus[] {
  const given = text.split(",").map((part) => part.trim());
  const unknown = given.filter(
    (status) => !(SERVER_STATUSES as readonly string[]).includes(status),
  );
  if (unknown.length > 0 || given.length === 0)
    throw new BadQuery(
      `status must be one or more of ${SERVER_STATUSES.join(", ")} (comma-separated), got "${text}"`,
    );
  return given as ServerStatus[];
}

function whole(name: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const what =
      name === "cursor"
        ? "a page's nextCursor (or 0 for the first page)"
        : `a whole number from ${min} to ${max}`;
    throw new BadQuery(`${name} must be ${what}, got "${text}"`);
  }
  return value;
}

function flag(name: string, text: string | undefined): boolean {
  if (text === undefined || text === "false" || text === "0") return false;
  if (text === "true" || text === "1") return true;
  throw new BadQuery(`${name} must be true or false, got "${text}"`);
}

function nonEmpty(name: string, text: string): string {
  if (text === "") throw new BadQuery(`${name} must name one of the plan's waves, got ""`);
  return text;
}
