import { describe, expect, it } from "vitest";
import { closestName, editDistance } from "./closestName.ts";

describe("closestName", () => {
  const keys = ["systemDiskSize", "dataDisks", "vSwitchId", "netMode", "tags"];

  it("suggests near misses and case-only differences", () => {
    expect(closestName("sytemDiskSize", keys)).toBe("systemDiskSize");
    expect(closestName("SystemDiskSize", keys)).toBe("systemDiskSize");
    expect(closestName("vswitchid", keys)).toBe("vSwitchId");
    expect(closestName("tag", keys)).toBe("tags");
  });

  it("counts two swapped neighbours as one edit", () => {
    expect(closestName("prot", ["host", "port", "dashboardReadOnly"])).toBe("port");
    expect(closestName("PSOT", ["POST", "GET"])).toBe("POST");
    expect(closestName("--jsno", ["--json", "--watch"])).toBe("--json");
  });

  it("stays quiet when nothing is close", () => {
    expect(closestName("maxJobs", keys)).toBeUndefined();
    expect(closestName("x", keys)).toBeUndefined();
    expect(closestName("anything", [])).toBeUndefined();
  });
});

describe("editDistance", () => {
  it("counts edits and stops early past the limit", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("abcdefgh", "zyxwvuts", 2)).toBe(3);
  });
});
