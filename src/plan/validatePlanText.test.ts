import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { HOSTILE_PLANS } from "./brokenKeysAndYaml.fixture.ts";
import { BROKEN_PLANS } from "./brokenPlans.fixture.ts";
import { NOW, VALID_PLAN, yaml } from "./planFixture.ts";
import { formatProblem } from "./planProblem.ts";
import { MAX_REPORTED_PROBLEMS, validatePlanText } from "./validatePlanText.ts";

const validate = (text: string) => validatePlanText(text, { file: "plan.yaml", now: NOW });
const located = (text: string) =>
  validate(text).problems.map((problem) => `${problem.line}:${problem.col}: ${problem.message}`);

describe("validatePlanText: broken plans", () => {
  it("has at least 40 realistic mistakes", () => {
    expect(BROKEN_PLANS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(BROKEN_PLANS)("$mistake", ({ text, expected }) => {
    const result = validate(text);
    expect(expected.length).toBeGreaterThan(0);
    expect(located(text)).toEqual(expected);
    expect(result.plan).toBeUndefined();
  });

  it.each(HOSTILE_PLANS)("refuses $mistake", ({ text, expected }) => {
    expect(located(text)).toEqual(expected);
  });
});

describe("validatePlanText: problems", () => {
  it("reports every problem of a plan at once, in file order, with file and path", () => {
    const { problems } = validate(yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults:
        systemDiskSize: 10
        netMode: 2
      waves:
        - name: w1
          servers:
            - name: web-01
              dataDisks: [{ index: 0, size: 100 }]
        - name: w1
          servers: [{ name: web-01 }]
    `);
    expect(problems.map((problem) => problem.path)).toEqual([
      "defaults.systemDiskSize",
      "defaults.netMode",
      "waves[0].servers[0].dataDisks[0].index",
      "waves[1].name",
      "waves[1].servers[0].name",
    ]);
    expect(problems.every((problem) => problem.file === "plan.yaml")).toBe(true);
    expect(formatProblem(problems[0] ?? { file: "", line: 0, col: 0, path: "", message: "" })).toBe(
      "plan.yaml:4:19: Expected `systemDiskSize` to be a whole number from 20 to 500, got `10`",
    );
  });

  it("reports an inherited mistake once, where it is written, not once per server", () => {
    const servers = Array.from({ length: 50 }, (_, index) => `      - name: web-${index + 10}`);
    const text = `name: dc1\nregionId: cn-hangzhou\ndefaults:\n  systemDiskSize: 80\n  netMode: 2\nwaves:\n  - name: w1\n    servers:\n${servers.join("\n")}\n`;
    expect(located(text)).toEqual([
      "5:12: `netMode: 2` (VPC transfer) needs a `vSwitchId`: set it beside `netMode` or where the server inherits it",
    ]);
  });

  it("caps the list and says how many more there are", () => {
    const servers = Array.from(
      { length: MAX_REPORTED_PROBLEMS + 50 },
      (_, index) => `      - { name: web-${index + 10}, systemDiskSize: 1 }`,
    );
    const text = `name: dc1\nregionId: cn-hangzhou\nwaves:\n  - name: w1\n    servers:\n${servers.join("\n")}\n`;
    const { problems } = validate(text);
    expect(problems).toHaveLength(MAX_REPORTED_PROBLEMS);
    expect(problems.at(-1)?.message).toBe("…and 51 more problems");
  });
});

describe("validatePlanText: compiling", () => {
  it("compiles a valid plan: defaults merged wave → server, durations in ms, lists for the API", () => {
    const { plan, problems } = validate(VALID_PLAN);
    expect(problems).toEqual([]);
    expect(plan?.policy).toEqual({
      maxJobs: 10,
      pollIntervalMs: 30_000,
      jobRestarts: 3,
      onFinish: "delete",
      onWaveFailure: "halt",
      maxFailedServers: 0,
    });
    expect(plan?.account).toBe("default");
    const [first, second] = plan?.waves ?? [];
    expect(first?.window).toEqual({
      cron: "0 22 * * 1-5",
      durationMs: 6 * 3_600_000,
      timezone: "Asia/Shanghai",
    });
    expect(first?.order).toBe("largestFirst");
    expect(first?.servers.map((server) => [server.key, server.ref, server.at])).toEqual([
      ["name:web-01", { name: "web-01" }, { line: 16, col: 9 }],
      ["s-bp1e2fsl57knvuug0000", { sourceId: "s-bp1e2fsl57knvuug0000" }, { line: 17, col: 9 }],
    ]);
    expect(first?.servers[1]?.settings).toEqual({
      systemDiskSize: 120,
      netMode: 2,
      vSwitchId: "vsw-bp1ddbrxdlrcbim460000",
      tags: [{ key: "project", value: "dc1" }],
      validForMs: 30 * 86_400_000,
      dataDisks: [{ index: 1, size: 200 }],
    });
    expect(second?.notBefore).toBe(Date.parse("2026-12-05T14:00:00Z"));
    expect(second?.servers[0]?.settings).toMatchObject({
      systemDiskSize: 80,
      runOnce: false,
      frequency: 12,
      maxNumberOfImageToKeep: 3,
    });
  });

  it("merges tags and replication parameters key by key; lists replace", () => {
    const { plan, problems } = validate(yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults:
        systemDiskSize: 80
        tags: { project: dc1, env: test }
        replicationParameters: { bandwidth_limit: 100, checksum: true }
        dataDisks: [{ index: 1, size: 100 }, { index: 2, size: 100 }]
      waves:
        - name: w1
          defaults: { tags: { env: prod } }
          servers:
            - name: web-01
              replicationParameters: { compress_level: 5 }
              dataDisks: [{ index: 2, size: 300, parts: [{ device: "2_1", sizeBytes: 1024 }] }]
              scheduledStartTime: "2026-11-25T22:00:00+08:00"
    `);
    expect(problems).toEqual([]);
    expect(plan?.waves[0]?.servers[0]?.settings).toEqual({
      systemDiskSize: 80,
      tags: [
        { key: "project", value: "dc1" },
        { key: "env", value: "prod" },
      ],
      replicationParameters: '{"bandwidth_limit":100,"checksum":true,"compress_level":5}',
      dataDisks: [
        { index: 2, size: 300, parts: [{ device: "2_1", sizeBytes: 1024, block: true }] },
      ],
      scheduledStartTime: "2026-11-25T14:00:00Z",
    });
  });

  it("accepts the example plan shipped in config/plans", () => {
    const text = readFileSync(new URL("../../config/plans/example.yaml", import.meta.url), "utf8");
    const { plan, problems } = validate(text);
    expect(problems).toEqual([]);
    expect(plan?.waves.map((wave) => wave.servers.length)).toEqual([5, 4, 3]);
  });

  it("accepts YAML merge keys and points into the anchored mapping", () => {
    const text = yaml`
      name: dc1
      regionId: cn-hangzhou
      defaults: &common
        systemDiskSize: 10
      waves:
        - name: w1
          defaults:
            <<: *common
          servers: [{ name: web-01 }]
    `;
    expect(located(text)).toEqual([
      "4:19: Expected `systemDiskSize` to be a whole number from 20 to 500, got `10`",
    ]);
  });
});
