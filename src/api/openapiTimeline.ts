import { SERVER_STATUSES, WAVE_STATUSES } from "../lifecycle/statuses.ts";

/** The OpenAPI schemas of the live ETA and the timeline route, as timelineView.ts types them. */

const epochMs = { type: "integer", description: "Epoch milliseconds, world time" };
const isoTime = { type: "string", format: "date-time" };
const opening = {
  type: "object",
  required: ["opensAt", "closesAt"],
  properties: { opensAt: epochMs, closesAt: epochMs },
};
const quantiles = {
  type: "object",
  required: ["p50", "p90"],
  properties: { p50: epochMs, p90: epochMs },
};

export const TIMELINE_SCHEMAS = {
  Eta: {
    type: "object",
    required: ["p50", "p90"],
    description:
      "When it is expected to end, from the daemon's live forecast of where the plan stands (ISO 8601, world time): the median and the late case; a plan's also says as of when",
    properties: { p50: isoTime, p90: isoTime, asOf: isoTime },
  },
  WaveTimeline: {
    type: "object",
    required: ["planId", "wave", "status", "now", "from", "to", "jobs", "omitted"],
    properties: {
      planId: { type: "string" },
      wave: { type: "string" },
      status: { enum: [...WAVE_STATUSES] },
      now: epochMs,
      from: epochMs,
      to: epochMs,
      windows: { type: "array", items: opening, description: "The wave's window in [from, to]" },
      cutoverWindows: { type: "array", items: opening },
      jobs: {
        type: "array",
        description: "Jobs as they happened, by creation; absent times have not happened",
        items: {
          type: "object",
          required: ["server", "jobId", "status", "created"],
          properties: {
            server: { type: "string" },
            jobId: { type: "string" },
            status: { enum: [...SERVER_STATUSES] },
            created: epochMs,
            started: epochMs,
            finished: epochMs,
            cutover: epochMs,
            deleted: epochMs,
          },
        },
      },
      omitted: { type: "integer", description: "Servers with a job left out by the limit" },
      forecast: {
        type: "object",
        description: "While the plan runs: the live forecast's median run of what has not ended",
        properties: {
          asOf: epochMs,
          start: quantiles,
          finish: quantiles,
          jobs: {
            type: "array",
            items: {
              type: "object",
              properties: {
                server: { type: "string" },
                created: epochMs,
                started: epochMs,
                finished: epochMs,
                cutover: epochMs,
                deleted: epochMs,
              },
            },
          },
        },
      },
    },
  },
};
