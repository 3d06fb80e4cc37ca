import { REPORT_COLUMNS } from "./planReport.ts";

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
const counts = {
  type: "object",
  properties: Object.fromEntries(
    ["pending", "creating", "running", "succeeded", "failed", "cancelled"].map((s) => [
      s,
      { type: "integer" },
    ]),
  ),
};
const planStatus = { enum: ["pending", "running", "paused", "succeeded", "failed", "cancelled"] };
const epochMs = { type: "integer", description: "Epoch milliseconds" };

const control = (summary: string, extra: object = {}) => ({
  post: {
    summary,
    parameters: [planId],
    ...extra,
    responses: {
      200: { description: "The plan after the change", content: json(ref("PlanSummary")) },
      401: unauthorized,
      404: notFound,
    },
  },
});

export function openApiDocument(version: string): object {
  return {
    openapi: "3.1.0",
    info: {
      title: "smc-waves",
      version,
      description:
        "Moves data centres onto Alibaba Cloud through Server Migration Center, in waves, within the job quota. Every route except /healthz, / and /app.js needs `Authorization: Bearer <SMC_WAVES_API_TOKEN>` when the daemon has a token.",
    },
    security: [{ bearer: [] }],
    paths: {
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
            content: Object.fromEntries(
              ["text/yaml", "application/x-yaml", "application/yaml", "text/plain"].map((t) => [
                t,
                { schema: { type: "string" } },
              ]),
            ),
          },
          responses: {
            201: { description: "Submitted", content: json(ref("SubmitResult")) },
            200: { description: "Already submitted", content: json(ref("SubmitResult")) },
            400: { description: "The plan is invalid", content: json(ref("Problems")) },
            401: unauthorized,
            409: {
              description: "Another plan of this name with other content exists",
              content: json(ref("Error")),
            },
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
          },
        },
      },
      "/api/plans/{id}": {
        get: {
          summary: "A plan with its waves and servers",
          parameters: [planId],
          responses: {
            200: { description: "The plan", content: json(ref("PlanView")) },
            401: unauthorized,
            404: notFound,
          },
        },
      },
      "/api/plans/{id}/pause": control("Start no new jobs; running ones continue"),
      "/api/plans/{id}/resume": control("Resume a paused plan"),
      "/api/plans/{id}/retry-failed": control("Retry the failed servers of a plan"),
      "/api/plans/{id}/cancel": control("Cancel a plan", {
        parameters: [planId, { name: "stopRunning", in: "query", schema: { type: "boolean" } }],
        requestBody: {
          required: false,
          content: json({
            type: "object",
            properties: { stopRunning: { type: "boolean", default: false } },
          }),
        },
      }),
      "/api/plans/{id}/report": {
        get: {
          summary:
            "Per-server report, CSV unless JSON is asked for (?format=json or Accept: application/json)",
          parameters: [planId, { name: "format", in: "query", schema: { enum: ["csv", "json"] } }],
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
                  },
                }),
              },
            },
            400: { description: "Unknown format", content: json(ref("Error")) },
            401: unauthorized,
            404: notFound,
          },
        },
      },
      "/api/quota": {
        get: {
          summary: "Quota use per account",
          responses: {
            200: {
              description: "Every account",
              content: json({
                type: "object",
                properties: { accounts: { type: "array", items: ref("QuotaView") } },
              }),
            },
            401: unauthorized,
          },
        },
      },
      "/healthz": {
        get: {
          summary: "Redis and SMC reachability",
          security: [],
          responses: {
            200: { description: "Both reachable", content: json(ref("Health")) },
            503: { description: "Redis or SMC unreachable", content: json(ref("Health")) },
          },
        },
      },
      "/metrics": {
        get: {
          summary: "Prometheus metrics, BullMQ's queue metrics included",
          responses: {
            200: {
              description: "Exposition text",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            401: unauthorized,
          },
        },
      },
      "/openapi.json": {
        get: {
          summary: "This description",
          responses: {
            200: { description: "OpenAPI 3.1", content: json({ type: "object" }) },
            401: unauthorized,
          },
        },
      },
      "/": {
        get: {
          summary: "The migration view (HTML; asks for the token itself)",
          security: [],
          responses: {
            200: { description: "Page", content: { "text/html": { schema: { type: "string" } } } },
          },
        },
      },
      "/app.js": {
        get: {
          summary: "The migration view's script",
          security: [],
          responses: {
            200: {
              description: "Script",
              content: { "text/javascript": { schema: { type: "string" } } },
            },
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error", "message"],
          properties: { error: { type: "string" }, message: { type: "string" } },
        },
        Problems: {
          type: "object",
          required: ["problems"],
          properties: {
            error: { const: "invalid_plan" },
            problems: {
              type: "array",
              items: {
                type: "object",
                required: ["line", "col", "path", "message"],
                properties: {
                  line: { type: "integer", minimum: 1 },
                  col: { type: "integer", minimum: 1 },
                  path: { type: "string", description: "e.g. waves[0].servers[2].systemDiskSize" },
                  message: { type: "string" },
                },
              },
            },
          },
        },
        SubmitResult: {
          type: "object",
          required: ["planId", "created"],
          properties: { planId: { type: "string" }, created: { type: "boolean" } },
        },
        ServerCounts: counts,
        WaveSummary: {
          type: "object",
          required: ["name", "index", "status", "counts"],
          properties: {
            name: { type: "string" },
            index: { type: "integer" },
            status: planStatus,
            reason: { type: "string" },
            counts: ref("ServerCounts"),
            startedAt: epochMs,
            finishedAt: epochMs,
          },
        },
        PlanSummary: {
          type: "object",
          required: [
            "id",
            "name",
            "regionId",
            "account",
            "status",
            "submittedAt",
            "counts",
            "waves",
          ],
          properties: {
            id: { type: "string" },
            name: { type: "string" },
            regionId: { type: "string" },
            account: { type: "string" },
            status: planStatus,
            reason: { type: "string" },
            submittedAt: epochMs,
            startedAt: epochMs,
            finishedAt: epochMs,
            counts: ref("ServerCounts"),
            waves: { type: "array", items: ref("WaveSummary") },
          },
        },
        ServerView: {
          type: "object",
          required: ["key", "wave", "status", "progress", "attempts", "restarts", "history"],
          properties: {
            key: { type: "string" },
            wave: { type: "string" },
            sourceId: { type: "string" },
            name: { type: "string" },
            status: {
              enum: ["pending", "creating", "running", "succeeded", "failed", "cancelled"],
            },
            jobId: { type: "string" },
            jobStatus: { type: "string" },
            businessStatus: { type: "string" },
            progress: { type: "number", minimum: 0, maximum: 100 },
            imageId: { type: "string" },
            attempts: { type: "integer" },
            restarts: { type: "integer" },
            lastError: {
              type: "object",
              properties: { code: { type: "string" }, message: { type: "string" } },
            },
            startedAt: epochMs,
            finishedAt: epochMs,
            history: {
              type: "array",
              items: {
                type: "object",
                required: ["at", "event"],
                properties: { at: epochMs, event: { type: "string" }, detail: { type: "string" } },
              },
            },
          },
        },
        PlanView: {
          allOf: [
            ref("PlanSummary"),
            {
              type: "object",
              properties: {
                waves: {
                  type: "array",
                  items: {
                    allOf: [
                      ref("WaveSummary"),
                      {
                        type: "object",
                        properties: { servers: { type: "array", items: ref("ServerView") } },
                      },
                    ],
                  },
                },
              },
            },
          ],
        },
        ReportRow: {
          type: "object",
          required: [...REPORT_COLUMNS],
          properties: Object.fromEntries(
            REPORT_COLUMNS.map((c) => [
              c,
              c === "attempts" ? { type: "integer" } : { type: "string" },
            ]),
          ),
        },
        QuotaView: {
          type: "object",
          required: ["account", "used", "limit", "running"],
          properties: {
            account: { type: "string" },
            used: { type: "integer" },
            limit: { type: "integer" },
            running: { type: "integer" },
            runningLimit: { type: "integer" },
          },
        },
        Health: {
          type: "object",
          required: ["status", "redis", "smc"],
          properties: {
            status: { enum: ["ok", "unavailable"] },
            redis: { type: "boolean" },
            smc: { type: "boolean" },
          },
        },
      },
    },
  };
}
