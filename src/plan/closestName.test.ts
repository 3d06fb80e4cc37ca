import { describe, expect, it } from "vitest";
import { closestName, levenshtein } from "./closestName.ts";

describe("closestName", () => {
  const keys = ["systemDiskSize", "dataDisks", "vSwitchId", "netMode", "tags"];

  it("suggests near misses and case-only differences", () => {
    expect(closestName("sytemDiskSize", keys)).toBe("systemDiskSize");
    expect(closestName("SystemDiskSize", keys)).toBe("systemDiskSize");
    expect(closestName("vswitchid", keys)).toBe("vSwitchId");
    expect(closestName("tag", keys)).toBe("tags");
  });

  it("stays quiet when nothing is close", () => {
    expect(closestName("maxJobs", keys)).toBeUndefined();
    expect(closestName("x", keys)).toBeUndefined();
    expect(closestName("anything", [])).toBeUndefined();
  });
});

describe("levenshtein", () => {
  it("counts edits and stops early past the limit", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("same", "same")).toBe(0);
    expect(levenshtein("abcdefgh", "zyxwvuts", 2)).toBe(3);
  });
});
