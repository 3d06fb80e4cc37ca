/**
 * The OpenAPI paths of what is not about one plan: the account's jobs and quota, the probes, the
 * session, metrics, this document, and the migration view's page and scripts.
 */
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });

export function pagePaths(unauthorized: object, redisUnavailable: object) {
  return {
    "/api/accounts/{account}/jobs": {
      get: {
        summary:
          "Every replication job in the account, with its owner (plan and server, or none), status and age",
        parameters: [{ name: "account", in: "path", required: true, schema: { type: "string" } }],
        responses: {
          200: {
            description: "The account's jobs",
            content: json({
              type: "object",
              properties: {
                account: { type: "string" },
                jobs: { type: "array", items: ref("AccountJob") },
              },
            }),
          },
          401: unauthorized,
          404: { description: "No such account", content: json(ref("Error")) },
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
          503: redisUnavailable,
        },
      },
    },
    "/healthz": {
      get: {
        summary:
          "Liveness: 200 whenever the process serves HTTP; the body says whether Redis, SMC and the workers are up",
        security: [],
        responses: {
          200: { description: "Alive (status ok or degraded)", content: json(ref("Health")) },
        },
      },
    },
    "/readyz": {
      get: {
        summary: "Readiness: 200 once Redis answers and the workers run, 503 until then",
        security: [],
        responses: {
          200: { description: "Ready", content: json(ref("Health")) },
          503: {
            description: "Redis unreachable, or the workers starting or draining",
            content: json(ref("Health")),
          },
        },
      },
    },
    "/api/session": {
      get: {
        summary:
          "Who the caller is (the token's name and role) and which actions it may take: the migration view shows those buttons only",
        responses: {
          200: { description: "The caller", content: json(ref("Session")) },
          401: unauthorized,
        },
      },
      post: {
        summary:
          "Sign a browser in: sets an HttpOnly session cookie (the token's session digest, never the token) that every protected route accepts, with the token's role",
        security: [],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["token"],
            properties: { token: { type: "string" } },
          }),
        },
        responses: {
          204: { description: "Signed in; Set-Cookie: smc_waves_session" },
          400: { description: "No token in the body", content: json(ref("Error")) },
          401: unauthorized,
        },
      },
      delete: {
        summary: "Sign the browser out (clears the session cookie)",
        security: [],
        responses: { 204: { description: "Signed out" } },
      },
    },
    "/metrics": {
      get: {
        summary: "Prometheus metrics, BullMQ's queue metrics included",
        responses: {
          200: {
            description:
              "Exposition text (during a Redis outage: the counters, the last gauges and smc_waves_redis_up 0)",
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
        summary:
          "The migration view (HTML; asks for the token itself). ?token= signs the browser in and redirects to /",
        security: [],
        parameters: [{ name: "token", in: "query", schema: { type: "string" } }],
        responses: {
          200: { description: "Page", content: { "text/html": { schema: { type: "string" } } } },
          303: { description: "?token= given: redirect to / without it (cookie set if right)" },
        },
      },
    },
    "/actions.js": {
      get: {
        summary: "The migration view's actions (buttons, confirmations, plan upload)",
        security: [],
        responses: {
          200: {
            description: "Script",
            content: { "text/javascript": { schema: { type: "string" } } },
          },
        },
      },
    },
    "/timeline.js": {
      get: {
        summary:
          "The migration view's timelines (per wave: jobs over time, windows, forecast, now)",
        security: [],
        responses: {
          200: {
            description: "Script",
            content: { "text/javascript": { schema: { type: "string" } } },
          },
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
  };
}
