import type { Role } from "../platform/accessTokens.ts";
import { FORECAST_SCHEMAS, forecastPaths } from "./openapiForecast.ts";
import { pagePaths } from "./openapiPages.ts";
import { SCHEMAS } from "./openapiSchemas.ts";
import { TIMELINE_SCHEMAS } from "./openapiTimeline.ts";
import { PLAN_CONTENT_TYPES } from "./planRoutes.ts";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "./serverRoutes.ts";

/**
 * The OpenAPI 3.1 description served at `/openapi.json`, written by hand next to the routes it
 * describes; `test/api.server.test.ts` checks that every route fastify serves is described here and
 * every path described here is served.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });
const planId = { name: "id", in: "path", required: true, schema: { type: "string" } };
const notFound = { description: "No plan has this id", content: json(ref("Error")) };
const unauthorized = { description: "Missing or wrong bearer token", content: json(ref("Error")) };
const forbidden = (role: Role) => ({
  description: `The token's role is below ${role} (error "forbidden"; the message names the token, its role and the role needed)`,
  content: json(ref("Error")),
});
/** Every route that reads or writes Redis answers this while the daemon's Redis does not answer. */
const redisUnavailable = {
  description:
    'The daemon is up but its Redis is unreachable (error "redis_unavailable"); try again when it is back',
  content: json(ref("RedisUnavailable")),
};
const conflict = (description: string) => ({ description, content: json(ref("Error")) });
const query = (name: string, schema: object, description: string) => ({
  name,
  in: "query",
  schema,
  description,
});

/** A plan's YAML, under each content type the plan routes read. */
const planBody = Object.fromEntries(
  PLAN_CONTENT_TYPES.map((type) => [type, { schema: { type: "string" } }]),
);

const control = (summary: string, whenRefused: string, extra: object = {}) => ({
  post: {
    summary,
    parameters: [planId],
    ...extra,
    responses: {
      200: { description: "The plan after the change", content: json(ref("PlanSummary")) },
      401: unauthorized,
      404: notFound,
      409: conflict(whenRefused),
      503: redisUnavailable,
    },
  },
});

/** One operation of the document: what `withRoles` reads, and anything else OpenAPI allows. */
interface Operation {
  security?: unknown[];
  responses: object;
  [field: string]: unknown;
}

/**
 * Each protected operation gets `x-required-role` from the server's own route table, and a 403 when
 * that role is above viewer, so the document cannot drift from what the server enforces.
 */
function withRoles(
  paths: Record<string, Record<string, Operation>>,
  roleOf: (method: string, url: string) => Role,
): void {
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (operation.security?.length === 0) continue;
      const role = roleOf(method.toUpperCase(), path.replace(/\{(\w+)\}/g, ":$1"));
      Object.assign(operation, { "x-required-role": role });
      if (role !== "viewer") Object.assign(operation.responses, { 403: forbidden(role) });
    }
  }
}

export function openApiDocument(
  version: string,
  roleOf: (method: string, url: string) => Role,
): object {
  const document = {
    openapi: "3.1.0",
    info: {
      title: "smc-waves",
      version,
      description:
        'Moves data centres onto Alibaba Cloud through Server Migration Center, in waves, within the job quota. Every route except /healthz, /readyz, POST and DELETE /api/session, / and the view scripts (/app.js, /actions.js, /timeline.js) needs `Authorization: Bearer <token>` (SMC_WAVES_API_TOKEN, an admin token, or a named token of http.tokens; or the session cookie POST /api/session sets) when the daemon has a token. Each operation\'s `x-required-role` says which role it needs (viewer reads; operator submits and controls plans; admin may also use the queue dashboard\'s write actions); a token below it gets 403 "forbidden". While the daemon\'s Redis does not answer, every route that needs it answers 503 with error "redis_unavailable".',
    },
    security: [{ bearer: [] }],
    paths: {
      ...forecastPaths({ planId, planBody, unauthorized, notFound, redisUnavailable }),
      "/api/plans": {
        post: {
          summary: "Submit a wave plan (idempotent: the same plan again answers 200)",
          parameters: [
            {
              name: "file",
              in: "query",
              schema: { type: "string" },
              description: "Name shown in problems",
            },
          ],
          requestBody: {
            required: true,
            description:
              "The plan's YAML text, or JSON {yaml, file}; any other JSON or content type gets 415",
            content: {
              ...planBody,
              ...json({
                type: "object",
                required: ["yaml"],
                additionalProperties: false,
                properties: {
                  yaml: { type: "string", description: "The plan's YAML text" },
                  file: { type: "string", description: "Name shown in problems (?file= wins)" },
                },
              }),
            },
          },
          responses: {
            201: { description: "Submitted", content: json(ref("SubmitResult")) },
            200: { description: "Already submitted", content: json(ref("SubmitResult")) },
            400: { description: "The plan is invalid", content: json(ref("Problems")) },
            401: unauthorized,
            409: conflict("Another plan of this name with other content exists"),
            415: {
              description: "Neither YAML text nor JSON {yaml, file}; the message names both",
              content: json(ref("Error")),
            },
            503: redisUnavailable,
          },
        },
        get: {
          summary: "List plans",
          responses: {
            200: {
              description: "Every plan",
              content: json({
                type: "object",
                properties: { plans: { type: "array", items: ref("PlanSummary") } },
              }),
            },
            401: unauthorized,
            503: redisUnavailable,
          },
        },
      },
      "/api/plans/check": {
        post: {
          summary:
            "Validate a plan and say what submitting it would warn about (sources other plans that have not ended also list), without submitting",
          requestBody: {
            required: true,
            content: planBody,
          },
          responses: {
            200: {
              description: "Valid; the warnings, if any",
              content: json({
                type: "object",
                properties: {
                  valid: { const: true },
                  warnings: { type: "array", items: ref("PlanWarning") },
                },
              }),
            },
            400: { description: "The plan is invalid", content: json(ref("Problems")) },
            401: unauthorized,
          },
        },
      },
      "/api/plans/{id}": {
        get: {
          summary: "A plan with its waves' counts, its history and quota; servers come in pages",
          parameters: [planId],
          responses: {
            200: { description: "The plan", content: json(ref("PlanDetail")) },
            401: unauthorized,
            404: notFound,
            503: redisUnavailable,
          },
        },
      },
      "/api/plans/{id}/servers": {
        get: {
          summary: "A page of the plan's servers, in plan order",
          parameters: [
            planId,
            query("wave", { type: "string" }, "Only this wave's servers"),
            query("status", { type: "string" }, "Only these statuses, comma-separated"),
            query(
              "waiting",
              { type: "boolean" },
              "Only servers waiting for something of their own",
            ),
            query("kept", { type: "boolean" }, "Only servers whose job stays in the account"),
            query("history", { type: "boolean" }, "Include each server's history"),
            query("cursor", { type: "string" }, "A page's nextCursor; absent for the first page"),
            query(
              "limit",
              { type: "integer", minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
              "Servers per page",
            ),
          ],
          responses: {
            200: { description: "The page", content: json(ref("ServerPage")) },
            400: {
              description: "A bad parameter, or a wave the plan lacks",
              content: json(ref("Error")),
            },
            401: unauthorized,
            404: notFound,
            503: redisUnavailable,
          },
        },
      },
      "/api/plans/{id}/timeline": {
        get: {
          summary:
            "One wave's jobs over time (created, started, finished, cut over, deleted), its windows, now, and the live forecast of the rest; at most `limit` servers' jobs, in flight first",
          parameters: [
            planId,
            { name: "wave", in: "query", required: true, schema: { type: "string" } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } },
          ],
          responses: {
            200: { description: "The wave's timeline", content: json(ref("WaveTimeline")) },
            400: { description: "No wave given, or a bad limit", content: json(ref("Error")) },
            401: unauthorized,
            404: { description: "No such plan, or no such wave", content: json(ref("Error")) },
            503: redisUnavailable,
          },
        },
      },
      "/api/plans/{id}/pause": control(
        "Start no new jobs; running ones continue",
        "The plan is not pending or running",
      ),
      "/api/plans/{id}/resume": control("Resume a paused plan", "The plan is not paused"),
      "/api/plans/{id}/retry-failed": control(
        "Retry the failed and cancelled servers of an ended plan",
        "The plan has not ended, or has no failed or cancelled server to retry",
      ),
      "/api/plans/{id}/cancel": control("Cancel a plan", "The plan has already ended", {
        parameters: [planId, { name: "stopRunning", in: "query", schema: { type: "boolean" } }],
        requestBody: {
          required: false,
          content: json({
            type: "object",
            properties: { stopRunning: { type: "boolean", default: false } },
          }),
        },
      }),
      "/api/plans/{id}/approve": {
        post: {
          summary:
            "Approve a wave's gate (`gate: manual`): while it waits, or in advance; the approver (the token's name) and time go into the plan's history and the report",
          parameters: [planId, { name: "wave", in: "query", schema: { type: "string" } }],
          requestBody: {
            required: false,
            content: json({
              type: "object",
              required: ["wave"],
              properties: { wave: { type: "string" } },
            }),
          },
          responses: {
            200: { description: "The plan after the approval", content: json(ref("PlanSummary")) },
            400: { description: "No wave named", content: json(ref("Error")) },
            401: unauthorized,
            404: { description: "No such plan or wave", content: json(ref("Error")) },
            409: {
              description: "The wave has no gate, was already approved, or has ended",
              content: json(ref("Error")),
            },
          },
        },
      },
      "/api/plans/{id}/cutover": {
        post: {
          summary:
            "Cut over a wave's incremental servers (or one): those in sync at once (between two runs of their job), the others as soon as they are, whatever the wave's cut-over mode",
          parameters: [
            planId,
            { name: "wave", in: "query", schema: { type: "string" } },
            { name: "server", in: "query", schema: { type: "string" } },
          ],
          requestBody: {
            required: false,
            content: json({
              type: "object",
              required: ["wave"],
              properties: {
                wave: { type: "string" },
                server: { type: "string", description: "A server's name, source id or key" },
              },
            }),
          },
          responses: {
            200: {
              description: "What happens to each server",
              content: json(ref("CutoverResult")),
            },
            400: { description: "No wave named", content: json(ref("Error")) },
            401: unauthorized,
            404: { description: "No such plan, wave or server", content: json(ref("Error")) },
            409: {
              description:
                "The plan has ended or is being cancelled, or the wave (server) has nothing to cut over",
              content: json(ref("Error")),
            },
          },
        },
      },
      "/api/plans/{id}/release": {
        post: {
          summary:
            "Delete every job an ended plan left in the account (kept, stopped, failed), freeing their quota slots and sources; idempotent",
          parameters: [planId],
          responses: {
            200: {
              description: "What was deleted and what remains",
              content: json(ref("ReleaseResult")),
            },
            401: unauthorized,
            404: notFound,
            409: { description: "The plan has not ended", content: json(ref("Error")) },
          },
        },
      },
      "/api/plans/{id}/report": {
        get: {
          summary:
            "The plan's report: one row per server, and its audit trail (who did what, when). CSV unless JSON is asked for (?format=json or Accept: application/json); JSON holds both, CSV the rows ?rows= names",
          parameters: [
            planId,
            { name: "format", in: "query", schema: { enum: ["csv", "json"] } },
            {
              name: "rows",
              in: "query",
              description:
                "CSV only: servers (one row per server) or actions (at, by, event, detail: every action a person took)",
              schema: { enum: ["servers", "actions"], default: "servers" },
            },
          ],
          responses: {
            200: {
              description: "The report",
              content: {
                "text/csv": { schema: { type: "string" } },
                ...json({
                  type: "object",
                  properties: {
                    planId: { type: "string" },
                    servers: { type: "array", items: ref("ReportRow") },
                    actions: { type: "array", items: ref("ActionRow") },
                  },
                }),
              },
            },
            400: { description: "Unknown format or rows", content: json(ref("Error")) },
            401: unauthorized,
            404: notFound,
            503: redisUnavailable,
          },
        },
      },
      ...pagePaths(unauthorized, redisUnavailable),
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { ...SCHEMAS, ...FORECAST_SCHEMAS, ...TIMELINE_SCHEMAS },
    },
  };
  withRoles(document.paths, roleOf);
  return document;
}
