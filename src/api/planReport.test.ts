import { describe, expect, it } from "vitest";
import type { PlanView, ServerView } from "../orchestrator/views.ts";
import { actionsCsv, reportActions, reportCsv, reportRows } from "./planReport.ts";

const counts = {
  pending: 0,
  creating: 0,
  running: 0,
  syncing: 0,
  "cutting-over": 0,
  stopping: 0,
  succeeded: 1,
  failed: 1,
  cancelled: 0,
  skipped: 0,
};
const server = (overrides: Partial<ServerView>): ServerView => ({
  index: 0,
  key: "s-1",
  wave: "w1",
  status: "succeeded",
  progress: 100,
  attempts: 0,
  restarts: 0,
  history: [],
  ...overrides,
});
const plan: PlanView = {
  id: "p1",
  name: "p1",
  regionId: "cn-hangzhou",
  account: "default",
  status: "failed",
  submittedAt: 0,
  counts,
  history: [],
  waves: [
    {
      name: "w1",
      index: 0,
      status: "failed",
      counts,
      servers: [
        server({
          sourceId: "s-1",
          name: "web-01",
          jobId: "j-1",
          imageId: "m-1",
          startedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
          finishedAt: Date.UTC(2026, 0, 2, 5, 0, 0),
          attempts: 2,
          reason: { code: "Job.Finished", message: "image m-1" },
          keptJob: "onFinish is keep: job j-1 (Finished) stays in the account",
        }),
        server({
          key: 'name:db, "primary"',
          name: 'db, "primary"',
          status: "failed",
          reason: { code: "SourceServerState.Invalid", message: '=HYPERLINK("x")\nsecond line' },
        }),
      ],
    },
    {
      name: "w2-db",
      index: 1,
      status: "succeeded",
      counts,
      gate: { approvedBy: "alice", approvedAt: Date.UTC(2026, 0, 3, 1, 0, 0) },
      servers: [
        server({
          sourceId: "s-2",
          name: "db-01",
          wave: "w2-db",
          jobId: "j-2",
          imageId: "m-9",
          sync: { runs: 4, lastAt: Date.UTC(2026, 0, 3, 5, 0, 0), lastImageId: "m-9" },
          cutover: { by: "window", finishedAt: Date.UTC(2026, 0, 3, 5, 0, 0), imageId: "m-9" },
        }),
      ],
    },
  ],
};

const NOT_INCREMENTAL = {
  syncs: 0,
  lastSyncAt: "",
  cutoverBy: "",
  cutoverAt: "",
  approvedBy: "",
  approvedAt: "",
};

describe("plan report", () => {
  it("gives one row per server with ISO times and the last error", () => {
    expect(reportRows(plan)).toEqual([
      {
        sourceId: "s-1",
        name: "web-01",
        wave: "w1",
        status: "succeeded",
        jobId: "j-1",
        imageId: "m-1",
        startedAt: "2026-01-02T03:04:05.000Z",
        finishedAt: "2026-01-02T05:00:00.000Z",
        attempts: 2,
        reason: "Job.Finished: image m-1",
        waiting: "",
        keptJob: "onFinish is keep: job j-1 (Finished) stays in the account",
        ...NOT_INCREMENTAL,
      },
      {
        sourceId: "",
        name: 'db, "primary"',
        wave: "w1",
        status: "failed",
        jobId: "",
        imageId: "",
        startedAt: "",
        finishedAt: "",
        attempts: 0,
        reason: 'SourceServerState.Invalid: =HYPERLINK("x")\nsecond line',
        waiting: "",
        keptJob: "",
        ...NOT_INCREMENTAL,
      },
      {
        sourceId: "s-2",
        name: "db-01",
        wave: "w2-db",
        status: "succeeded",
        jobId: "j-2",
        imageId: "m-9",
        startedAt: "",
        finishedAt: "",
        attempts: 0,
        reason: "",
        waiting: "",
        keptJob: "",
        syncs: 4,
        lastSyncAt: "2026-01-03T05:00:00.000Z",
        cutoverBy: "window",
        cutoverAt: "2026-01-03T05:00:00.000Z",
        approvedBy: "alice",
        approvedAt: "2026-01-03T01:00:00.000Z",
      },
    ]);
  });

  it("writes RFC 4180 CSV, quoting commas, quotes and newlines, and defusing formulas", () => {
    const rows = reportRows(plan);
    const withFormula = { ...rows[1], reason: '=HYPERLINK("x")' } as (typeof rows)[number];
    expect(reportCsv([...rows.slice(0, 2), withFormula])).toBe(
      [
        "sourceId,name,wave,status,jobId,imageId,startedAt,finishedAt,attempts,reason,waiting,keptJob,syncs,lastSyncAt,cutoverBy,cutoverAt,approvedBy,approvedAt",
        "s-1,web-01,w1,succeeded,j-1,m-1,2026-01-02T03:04:05.000Z,2026-01-02T05:00:00.000Z,2,Job.Finished: image m-1,,onFinish is keep: job j-1 (Finished) stays in the account,0,,,,,",
        ',"db, ""primary""",w1,failed,,,,,0,"SourceServerState.Invalid: =HYPERLINK(""x"")\nsecond line",,,0,,,,,',
        ',"db, ""primary""",w1,failed,,,,,0,"\'=HYPERLINK(""x"")",,,0,,,,,',
        "",
      ].join("\r\n"),
    );
  });
});

describe("reportActions and actionsCsv", () => {
  it("lists only what people did, oldest first, in ISO time, with the CSV formula guard", () => {
    const audited: PlanView = {
      ...plan,
      history: [
        { at: Date.UTC(2026, 0, 1), event: "plan:submitted", by: "otto" },
        { at: Date.UTC(2026, 0, 1, 0, 1), event: "plan:running" },
        { at: Date.UTC(2026, 0, 1, 0, 2), event: "wave:approved", by: "ada", detail: "wave w1" },
        { at: Date.UTC(2026, 0, 1, 0, 3), event: "plan:released", by: "ada", detail: "=1+1, two" },
      ],
    };
    const rows = reportActions(audited);
    expect(rows).toEqual([
      { at: "2026-01-01T00:00:00.000Z", by: "otto", event: "plan:submitted", detail: "" },
      { at: "2026-01-01T00:02:00.000Z", by: "ada", event: "wave:approved", detail: "wave w1" },
      { at: "2026-01-01T00:03:00.000Z", by: "ada", event: "plan:released", detail: "=1+1, two" },
    ]);
    expect(actionsCsv(rows)).toBe(
      [
        "at,by,event,detail",
        "2026-01-01T00:00:00.000Z,otto,plan:submitted,",
        "2026-01-01T00:02:00.000Z,ada,wave:approved,wave w1",
        `2026-01-01T00:03:00.000Z,ada,plan:released,"'=1+1, two"`,
        "",
      ].join("\r\n"),
    );
  });
});
