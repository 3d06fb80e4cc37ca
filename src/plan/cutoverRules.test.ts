import { describe, expect, it } from "vitest";
import { quotaGroupWarnings } from "./cutoverRules.ts";
import { dryRun } from "./dryRun.ts";
import { NOW, yaml } from "./planFixture.ts";
import { validatePlanText } from "./validatePlanText.ts";

const validate = (text: string) => validatePlanText(text, { file: "plan.yaml", now: NOW });
const warned = (text: string) =>
  validate(text).warnings.map((warning) => `${warning.line}:${warning.col}: ${warning.message}`);

const INCREMENTAL = "{ runOnce: false, frequency: 4, maxNumberOfImageToKeep: 2 }";

describe("gates and cut-overs: compilation", () => {
  it("compiles a gate and each form of cut-over, with their defaults", () => {
    const { plan, problems, warnings } = validate(yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults: { systemDiskSize: 80 }
      waves:
        - name: web
          gate: manual
          servers: [{ name: web-01 }]
        - name: db-window
          cutover: { window: { cron: "30 4 * * 6", duration: 3h, timezone: Asia/Shanghai } }
          servers:
            - { name: db-01, runOnce: false, frequency: 4, maxNumberOfImageToKeep: 2 }
            - { name: app-01 }
        - name: db-manual
          defaults: ${INCREMENTAL}
          cutover: { mode: manual, syncData: false }
          servers: [{ name: db-02 }]
        - name: db-now
          defaults: ${INCREMENTAL}
          cutover: immediate
          servers: [{ name: db-03 }]
        - name: db-unsaid
          defaults: ${INCREMENTAL}
          servers: [{ name: db-04 }]
    `);
    expect(problems).toEqual([]);
    expect(plan?.waves.map((wave) => [wave.name, wave.gate, wave.cutover])).toEqual([
      ["web", "manual", undefined],
      [
        "db-window",
        undefined,
        {
          mode: "window",
          window: { cron: "30 4 * * 6", durationMs: 3 * 3_600_000, timezone: "Asia/Shanghai" },
          syncData: true,
          onTimeout: "wait",
        },
      ],
      ["db-manual", undefined, { mode: "manual", syncData: false, onTimeout: "wait" }],
      ["db-now", undefined, { mode: "immediate", syncData: true, onTimeout: "wait" }],
      // No `cutover`: its servers wait in sync for a person, and validation said so.
      ["db-unsaid", undefined, { mode: "manual", syncData: true, onTimeout: "wait" }],
    ]);
    expect(warnings.map((warning) => [warning.line, warning.path])).toEqual([[21, "waves[4]"]]);
    expect(warnings[0]?.message).toContain("`smc-waves cutover PLAN_ID --wave db-unsaid`");
  });
});

describe("gates and cut-overs: warnings", () => {
  it("more incremental servers than maxJobs: they migrate in groups, said at the wave", () => {
    expect(
      warned(yaml`
        name: dc1
        regionId: cn-hangzhou
        defaults: { systemDiskSize: 80 }
        policy: { maxJobs: 2 }
        waves:
          - name: db
            defaults: ${INCREMENTAL}
            cutover: { window: { cron: "30 4 * * *", duration: 3h } }
            servers: [{ name: db-01 }, { name: db-02 }, { name: db-03 }, { name: db-04 }, { name: db-05 }]
          - name: db-now
            defaults: ${INCREMENTAL}
            cutover: immediate
            servers: [{ name: db-06 }, { name: db-07 }, { name: db-08 }]
      `),
    ).toEqual([
      "8:5: Wave `db` has 5 incremental servers and the plan holds at most 2 jobs (`maxJobs`); each keeps its slot until it is cut over, so they migrate in 3 groups, each starting once earlier servers are cut over: at least 3 openings of its cut-over window",
    ]);
  });

  it("a window rarer than the jobs' validTime: a job may expire before it opens", () => {
    expect(
      warned(yaml`
        name: dc1
        regionId: cn-hangzhou
        defaults: { systemDiskSize: 80, validTime: 7d }
        waves:
          - name: db
            defaults: ${INCREMENTAL}
            cutover: { window: { cron: "0 2 1 * *", duration: 4h, timezone: UTC } }
            servers: [{ name: db-01 }]
      `),
    ).toEqual([
      "7:32: The cut-over window can stay closed for 30d20h, longer than the incremental jobs' `validTime` (7d): a job that comes in sync just after the window closes expires before it reopens. Open it more often or raise `validTime`",
    ]);
  });

  it("the daemon's quota below maxJobs groups them further", () => {
    const { plan } = validate(yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults: { systemDiskSize: 80 }
      policy: { maxJobs: 10 }
      waves:
        - name: db
          defaults: ${INCREMENTAL}
          cutover: manual
          servers: [{ name: db-01 }, { name: db-02 }, { name: db-03 }]
    `);
    if (!plan) throw new Error("did not compile");
    expect(quotaGroupWarnings(plan, 10)).toEqual([]);
    expect(quotaGroupWarnings(plan, 2)).toEqual([
      {
        line: 9,
        col: 15,
        message: expect.stringContaining(
          "wave db: account default's quota is 2 jobs, below the plan's maxJobs (10); its 3 incremental servers each keep a slot until cut over, so they migrate in at least 2 groups",
        ),
      },
    ]);
  });
});

describe("gates and cut-overs: the dry run", () => {
  it("shows the gate, the cut-over's mode and window openings, and the slots held until cut-over", () => {
    const { plan } = validate(yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults: { systemDiskSize: 80 }
      policy: { maxJobs: 1 }
      waves:
        - name: db
          gate: manual
          defaults: ${INCREMENTAL}
          cutover: { window: { cron: "30 4 * * *", duration: 3h, timezone: Asia/Shanghai }, onTimeout: fail }
          servers: [{ name: db-01 }, { name: db-02 }]
    `);
    if (!plan) throw new Error("did not compile");
    const [wave] = dryRun(plan, { now: NOW }).waves;
    expect(wave?.gate).toBe("manual");
    expect(wave?.cutover).toEqual({
      mode: "window",
      syncData: true,
      onTimeout: "fail",
      incremental: 2,
      groups: 2,
      window: {
        cron: "30 4 * * *",
        timezone: "Asia/Shanghai",
        duration: "3h",
        nextOpenings: [
          "2026-11-20 04:30 Asia/Shanghai (2026-11-19T20:30:00Z)",
          "2026-11-21 04:30 Asia/Shanghai (2026-11-20T20:30:00Z)",
          "2026-11-22 04:30 Asia/Shanghai (2026-11-21T20:30:00Z)",
        ]
          .slice(1)
          .concat("2026-11-23 04:30 Asia/Shanghai (2026-11-22T20:30:00Z)"),
      },
    });
  });
});
