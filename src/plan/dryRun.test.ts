import { describe, expect, it } from "vitest";
import type { SourceServer } from "../smc/types.ts";
import { dryRun } from "./dryRun.ts";
import { NOW, yaml } from "./planFixture.ts";
import { validatePlanText } from "./validatePlanText.ts";

const { plan } = validatePlanText(
  yaml`
    name: dc1
    regionId: cn-hangzhou
    defaults: { systemDiskSize: 100, tags: { project: dc1 }, validTime: 14d }
    policy: { maxJobs: 2 }
    waves:
      - name: w1
        notBefore: "2026-12-01T00:00:00Z"
        window: { cron: "0 22 * * 1-5", duration: 6h, timezone: Asia/Shanghai }
        servers: [{ name: small }, { name: big }, { name: middle }]
      - name: w2
        order: asListed
        servers: [{ sourceId: s-abcdabcd }]
  `,
  { file: "plan.yaml", now: NOW },
);

function source(name: string, gib: number): SourceServer {
  const part = { path: "/", device: "0_0", sizeBytes: gib * 1024 ** 3, canBlock: true, need: true };
  return {
    sourceId: `s-${name}0000`,
    name,
    description: "",
    state: "Available",
    errorCode: "",
    statusInfo: "",
    agentVersion: "",
    architecture: "x86_64",
    platform: "CentOS",
    kernelLevel: 1,
    replicationDriver: "SMT",
    heartbeatRate: 30,
    creationTime: "",
    jobId: "",
    systemDiskSize: gib,
    systemDiskParts: [part],
    dataDisks: [],
    systemInfo: "{}",
  };
}

describe("dryRun", () => {
  if (plan === undefined) throw new Error("fixture plan did not compile");

  it("without sources: listed order (said so), placeholders, openings after notBefore, quota", () => {
    const run = dryRun(plan, { now: NOW });
    expect(run.quota).toBe(2);
    const [first, second] = run.waves;
    expect(first?.quota).toBe(2);
    expect(second?.quota).toBe(1);
    expect(first?.orderNote).toMatch(/--online/);
    expect(first?.servers.map((server) => server.label)).toEqual(["small", "big", "middle"]);
    expect(first?.window?.nextOpenings).toEqual([
      "2026-12-01 22:00 Asia/Shanghai (2026-12-01T14:00:00Z)",
      "2026-12-02 22:00 Asia/Shanghai (2026-12-02T14:00:00Z)",
      "2026-12-03 22:00 Asia/Shanghai (2026-12-03T14:00:00Z)",
    ]);
    expect(first?.servers[0]?.parameters).toEqual({
      RegionId: "cn-hangzhou",
      SourceId: "<small resolved at run time>",
      Name: "<set by smc-waves>",
      ValidTime: "<creation + 14d>",
      SystemDiskSize: "100",
      "Tag.1.Key": "project",
      "Tag.1.Value": "dc1",
    });
  });

  it("with sources: largest first, real SourceIds and sizes", () => {
    // A data disk the plan does not list is not copied, so it does not make `small` a big job.
    const small = {
      ...source("small", 20),
      dataDisks: [
        {
          index: 1,
          path: "/data",
          size: 2000,
          parts: [
            {
              path: "/data",
              device: "1_0",
              sizeBytes: 2000 * 1024 ** 3,
              canBlock: true,
              need: true,
            },
          ],
        },
      ],
    };
    const sources = new Map([
      ["name:small", small],
      ["name:big", source("big", 400)],
      ["name:middle", source("middle", 100)],
    ]);
    const [first] = dryRun(plan, { now: NOW, sources }).waves;
    expect(first?.orderNote).toBeUndefined();
    expect(first?.servers.map((server) => [server.label, server.sourceId])).toEqual([
      ["big", "s-big0000"],
      ["middle", "s-middle0000"],
      ["small", "s-small0000"],
    ]);
    expect(first?.servers[0]?.parameters.SourceId).toBe("s-big0000");
  });
});
