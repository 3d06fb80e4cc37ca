import { PLAN_STATUSES, SERVER_STATUSES, WAVE_STATUSES } from "../lifecycle/statuses.ts";
import { ROLES } from "../platform/accessTokens.ts";
import { REPORT_COLUMNS } from "./planReport.ts";

/** The OpenAPI document's component schemas: what the API answers, as views.ts types it. */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const epochMs = { type: "integer", description: "Epoch milliseconds" };
const counts = {
  type: "object",
  properties: Object.fromEntries(SERVER_STATUSES.map((s) => [s, { type: "integer" }])),
};
const reason = {
  type: "object",
  required: ["message"],
  properties: { code: { type: "string" }, message: { type: "string" } },
  description: "Why it is in its status: how it ended, why it failed",
};
const waiting = {
  type: "object",
  required: ["code", "message", "since"],
  properties: { code: { type: "string" }, message: { type: "string" }, since: epochMs },
  description: "Why it is held up while it has not ended (a source, the quota, a window…)",
};
const historyEntry = {
  type: "object",
  required: ["at", "event"],
  properties: {
    at: epochMs,
    event: { type: "string" },
    detail: { type: "string" },
    by: { type: "string" },
  },
};

const syncView = {
  type: "object",
  required: ["runs"],
  description: "An incremental server's runs, each with an image",
  properties: {
    runs: { type: "integer" },
    lastAt: epochMs,
    ageMs: { type: "integer", description: "Since the newest run ended, while in sync" },
    lastImageId: { type: "string" },
  },
};
const cutoverView = {
  type: "object",
  description: "An incremental server's cut-over: asked for, under way or done",
  properties: {
    by: { type: "string", description: "A person's name, `window`, `immediate`" },
    requestedBy: { type: "string" },
    requestedAt: epochMs,
    startedAt: epochMs,
    acceptedAt: epochMs,
    finishedAt: epochMs,
    imageId: { type: "string" },
    syncData: { type: "boolean" },
    overran: { type: "boolean", description: "The final sync ran past its window" },
  },
};
const windowView = {
  type: "object",
  properties: {
    cron: { type: "string" },
    timezone: { type: "string" },
    durationMs: { type: "integer" },
  },
};

export const SCHEMAS = {
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
    required: ["planId", "created", "warnings"],
    properties: {
      planId: { type: "string" },
      created: { type: "boolean" },
      warnings: { type: "array", items: ref("PlanWarning") },
    },
  },
  PlanWarning: {
    type: "object",
    required: ["line", "col", "message"],
    properties: {
      line: { type: "integer", minimum: 1 },
      col: { type: "integer", minimum: 1 },
      message: { type: "string" },
    },
  },
  ReleaseResult: {
    type: "object",
    required: ["planId", "deleted", "remaining"],
    properties: {
      planId: { type: "string" },
      deleted: {
        type: "array",
        items: {
          type: "object",
          properties: {
            jobId: { type: "string" },
            server: { type: "string" },
            jobStatus: { type: "string" },
          },
        },
      },
      remaining: {
        type: "array",
        items: {
          type: "object",
          properties: {
            jobId: { type: "string" },
            server: { type: "string" },
            why: { type: "string" },
          },
        },
      },
    },
  },
  AccountJob: {
    type: "object",
    required: ["jobId", "name", "sourceId", "status", "creationTime", "ageMs"],
    properties: {
      jobId: { type: "string" },
      name: { type: "string" },
      sourceId: { type: "string" },
      status: { type: "string" },
      businessStatus: { type: "string" },
      owner: {
        type: "object",
        description: "Absent for a job smc-waves did not create",
        properties: {
          planId: { type: "string" },
          server: { type: "string" },
          planStatus: { enum: [...PLAN_STATUSES] },
          serverStatus: { enum: [...SERVER_STATUSES] },
        },
      },
      leftBehind: { type: "string", description: "Why it is still there after its server ended" },
      imageId: { type: "string" },
      creationTime: { type: "string" },
      ageMs: { type: "integer" },
    },
  },
  ServerCounts: counts,
  WaveSummary: {
    type: "object",
    required: ["name", "index", "status", "counts"],
    properties: {
      name: { type: "string" },
      index: { type: "integer" },
      status: { enum: [...WAVE_STATUSES] },
      reason,
      waiting,
      counts: ref("ServerCounts"),
      startedAt: epochMs,
      finishedAt: epochMs,
      gate: {
        type: "object",
        description: "`gate: manual`: who approved it and when; empty while it waits",
        properties: { approvedBy: { type: "string" }, approvedAt: epochMs },
      },
      cutover: {
        type: "object",
        required: ["mode", "syncData", "onTimeout"],
        description: "How its incremental servers are cut over",
        properties: {
          mode: { enum: ["immediate", "manual", "window"] },
          window: windowView,
          syncData: { type: "boolean" },
          onTimeout: { enum: ["wait", "fail"] },
          requestedBy: { type: "string" },
          requestedAt: epochMs,
        },
      },
      eta: ref("Eta"),
    },
  },
  PlanSummary: {
    type: "object",
    required: ["id", "name", "regionId", "account", "status", "submittedAt", "counts", "waves"],
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      regionId: { type: "string" },
      account: { type: "string" },
      status: { enum: [...PLAN_STATUSES] },
      reason,
      waiting,
      submittedAt: epochMs,
      startedAt: epochMs,
      finishedAt: epochMs,
      counts: ref("ServerCounts"),
      waves: { type: "array", items: ref("WaveSummary") },
      eta: ref("Eta"),
    },
  },
  ServerView: {
    type: "object",
    required: ["index", "key", "wave", "status", "progress", "attempts", "restarts"],
    properties: {
      index: { type: "integer", description: "Its number in the plan, wave by wave in plan order" },
      key: { type: "string" },
      wave: { type: "string" },
      sourceId: { type: "string" },
      name: { type: "string" },
      status: { enum: [...SERVER_STATUSES] },
      reason,
      waiting,
      keptJob: { type: "string", description: "Why its job is still in the account" },
      jobId: { type: "string" },
      jobStatus: { type: "string" },
      businessStatus: { type: "string" },
      progress: { type: "number", minimum: 0, maximum: 100 },
      imageId: { type: "string" },
      attempts: { type: "integer" },
      restarts: { type: "integer" },
      startedAt: epochMs,
      finishedAt: epochMs,
      sync: syncView,
      cutover: cutoverView,
      history: { type: "array", items: historyEntry, description: "With ?history=true" },
    },
  },
  CutoverResult: {
    type: "object",
    required: ["planId", "wave", "requestedBy", "servers"],
    properties: {
      planId: { type: "string" },
      wave: { type: "string" },
      requestedBy: { type: "string" },
      servers: {
        type: "array",
        items: {
          type: "object",
          required: ["server", "status", "outcome"],
          properties: {
            server: { type: "string" },
            status: { enum: [...SERVER_STATUSES] },
            outcome: { enum: ["now", "when-in-sync", "under-way", "done", "ended"] },
          },
        },
      },
    },
  },
  PlanDetail: {
    allOf: [
      ref("PlanSummary"),
      {
        type: "object",
        required: ["history"],
        properties: {
          history: {
            type: "array",
            items: historyEntry,
            description: "The newest 300 entries, oldest first",
          },
          quota: {
            allOf: [
              ref("QuotaView"),
              {
                type: "object",
                properties: {
                  heldByPlan: { type: "integer", description: "Slots this plan's jobs hold" },
                },
              },
            ],
          },
        },
      },
    ],
  },
  ServerPage: {
    type: "object",
    required: ["planId", "servers"],
    properties: {
      planId: { type: "string" },
      wave: { type: "string" },
      servers: { type: "array", items: ref("ServerView") },
      nextCursor: {
        type: "string",
        description: "Pass as cursor for the next page; absent on the last",
      },
      total: { type: "integer", description: "Servers matched in all (not with waiting or kept)" },
    },
  },
  ReportRow: {
    type: "object",
    required: [...REPORT_COLUMNS],
    properties: Object.fromEntries(
      REPORT_COLUMNS.map((c) => [
        c,
        c === "attempts" || c === "syncs" ? { type: "integer" } : { type: "string" },
      ]),
    ),
  },
  ActionRow: {
    type: "object",
    required: ["at", "by", "event", "detail"],
    properties: {
      at: { type: "string", format: "date-time" },
      by: { type: "string", description: "The token's name" },
      event: { type: "string", description: "plan:paused, plan:cancelling, wave:approved, …" },
      detail: { type: "string" },
    },
  },
  Session: {
    type: "object",
    required: ["name", "role", "open", "actions", "dashboard"],
    properties: {
      name: { type: "string", description: 'The token\'s name ("anonymous" on an open daemon)' },
      role: { enum: [...ROLES] },
      open: { type: "boolean", description: "The daemon has no token (loopback only)" },
      actions: {
        type: "array",
        items: { type: "string" },
        description: "What this caller may do: submit, pause, resume, cancel, retry-failed, …",
      },
      dashboard: {
        type: "string",
        description: "The queue dashboard to link to: /dashboard/admin for admins when writable",
      },
    },
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
    required: ["status", "ready", "redis", "smc", "workers"],
    properties: {
      status: { enum: ["ok", "degraded"] },
      ready: { type: "boolean", description: "Redis answers and the workers run" },
      redis: {
        type: "object",
        required: ["status", "since"],
        properties: {
          status: { enum: ["connecting", "reachable", "unreachable"] },
          since: { type: "string", format: "date-time" },
          cause: { type: "string" },
        },
      },
      smc: { type: "boolean", description: "Every account's endpoint answered its probe" },
      workers: { enum: ["starting", "running", "stopping"] },
    },
  },
  RedisUnavailable: {
    type: "object",
    required: ["error", "message", "redis"],
    properties: {
      error: { const: "redis_unavailable" },
      message: { type: "string" },
      redis: {
        type: "object",
        required: ["url", "status", "since"],
        properties: {
          url: { type: "string", description: "Its password masked" },
          status: { enum: ["connecting", "unreachable"] },
          since: { type: "string", format: "date-time" },
          cause: { type: "string" },
        },
      },
    },
  },
};
