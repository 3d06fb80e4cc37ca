/**
 * The forecast routes' part of the OpenAPI document (openapi.ts spreads it in): the shape of a
 * `PlanForecast` (src/forecast/forecastModel.ts) and the two routes that answer one.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ "application/json": { schema } });
const time = { type: "string", format: "date-time" };
const quantiles = {
  type: "object",
  description: "Half of the sampled runs end by p50, nine in ten by p90 (ISO 8601, world time)",
  properties: { p50: time, p90: time },
};

export const FORECAST_SCHEMAS = {
  PlanForecast: {
    type: "object",
    description:
      "When a plan finishes: seeded sampled runs of the plan by the daemon's own scheduling rules",
    properties: {
      planId: { type: "string" },
      seed: { type: "integer" },
      samples: { type: "integer" },
      asOf: { ...time, description: "The moment the forecast starts from" },
      throughput: {
        type: "object",
        properties: {
          bytesPerSecond: { type: "number" },
          spread: { type: "number", description: "Coefficient of variation of one job's rate" },
          source: { enum: ["configured", "learned", "default"] },
          learnedFromJobs: { type: "integer" },
        },
      },
      finish: quantiles,
      waves: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            start: quantiles,
            finish: quantiles,
            criticalServers: {
              type: "array",
              items: { type: "string" },
              description: "The servers whose end sets the wave's, in the median run",
            },
          },
        },
      },
      quotaUse: {
        type: "array",
        description: "The plan's jobs at each change, in the median run",
        items: { type: "object", properties: { at: time, jobs: { type: "integer" } } },
      },
      jobs: {
        type: "array",
        description: "The median run's jobs of servers not yet ended",
        items: {
          type: "object",
          properties: {
            wave: { type: "string" },
            server: { type: "string" },
            create: time,
            start: time,
            finish: time,
            cutover: time,
            end: time,
          },
        },
      },
      assumptions: { type: "array", items: { type: "string" } },
    },
  },
};

const parameters = [
  { name: "seed", in: "query", schema: { type: "integer", default: 1 } },
  { name: "samples", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } },
  {
    name: "gatesApprovedAt",
    in: "query",
    description: "When gates not yet approved count as approved; now when absent",
    schema: time,
  },
];
const badQuery = {
  description: "A bad seed, samples or gatesApprovedAt",
  content: json(ref("Error")),
};

export function forecastPaths(common: {
  planId: object;
  planBody: object;
  unauthorized: object;
  notFound: object;
  redisUnavailable: object;
}) {
  return {
    "/api/plans/forecast": {
      post: {
        summary:
          "Forecast a plan not submitted, as if it started now (sources listed through the account)",
        parameters,
        requestBody: { required: true, content: common.planBody },
        responses: {
          200: { description: "The forecast", content: json(ref("PlanForecast")) },
          400: {
            description: "The plan is invalid, or a bad query",
            content: json(ref("Problems")),
          },
          401: common.unauthorized,
          503: common.redisUnavailable,
        },
      },
    },
    "/api/plans/{id}/forecast": {
      get: {
        summary: "When the plan will finish, forecast from where it stands now (a live ETA)",
        parameters: [common.planId, ...parameters],
        responses: {
          200: { description: "The forecast", content: json(ref("PlanForecast")) },
          400: badQuery,
          401: common.unauthorized,
          404: common.notFound,
          503: common.redisUnavailable,
        },
      },
    },
  };
}
