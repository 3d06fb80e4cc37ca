import { describe, expect, it } from "vitest";
import type { CompiledWave } from "../plan/compiledPlan.ts";
import type { SourceServer } from "../smc/types.ts";
import type { ServerRecord } from "./migrationStore.ts";
import { resolveWaveSources, sourceBytes } from "./waveSources.ts";

const part = (sizeBytes: number) => ({
  path: "/",
  device: "0_0",
  sizeBytes,
  canBlock: true,
  need: true,
});
const source = (sourceId: string, name: string, bytes: number[]): SourceServer =>
  ({
    sourceId,
    name,
    systemDiskParts: [part(bytes[0] ?? 0)],
    dataDisks: bytes
      .slice(1)
      .map((size, i) => ({ index: i + 1, path: "/d", size: 20, parts: [part(size)] })),
  }) as SourceServer;
const record = (index: number, key: string) => ({ index, key, wave: 0 }) as ServerRecord;

describe("resolveWaveSources", () => {
  const sources = [
    source("s-a", "web-01", [100, 50]),
    source("s-b", "db-01", [10]),
    source("s-c", "db-01", [20]),
  ];
  const wave: CompiledWave = {
    name: "w",
    order: "largestFirst",
    servers: [
      { key: "s-a", ref: { sourceId: "s-a" }, settings: { systemDiskSize: 40 } },
      { key: "name:web-01", ref: { name: "web-01" }, settings: { systemDiskSize: 40 } },
      { key: "name:db-01", ref: { name: "db-01" }, settings: { systemDiskSize: 40 } },
      { key: "s-zz", ref: { sourceId: "s-zz" }, settings: { systemDiskSize: 40 } },
    ],
  };
  const result = resolveWaveSources(
    wave,
    ["s-a", "name:web-01", "name:db-01", "s-zz"].map((k, i) => record(i, k)),
    sources,
  );

  it("resolves ids and unique names with the bytes to copy", () => {
    expect(result.get(0)).toEqual({ ok: true, sourceId: "s-a", name: "web-01", sizeBytes: 150 });
    expect(result.get(1)).toEqual({ ok: true, sourceId: "s-a", name: "web-01", sizeBytes: 150 });
  });

  it("refuses a name two sources share, naming both", () => {
    expect(result.get(2)).toMatchObject({ ok: false, code: "Plan.SourceAmbiguous" });
    expect(result.get(2)).toHaveProperty("message", expect.stringContaining("s-b, s-c"));
  });

  it("reports an id the account does not have", () => {
    expect(result.get(3)).toMatchObject({ ok: false, code: "Plan.SourceNotFound" });
  });

  it("counts every partition of every disk", () => {
    expect(sourceBytes(source("s", "n", [1, 2, 3]))).toBe(6);
  });
});
