import { describe, expect, it } from "vitest";
import type { ApiError } from "../errorCatalogue.ts";
import { seededRandom } from "../seededRandom.ts";
import { sourceFromSpec } from "../sourceCatalogue.ts";
import { checkJobConsistency, partsOf, withDefaultParts } from "./jobConsistency.ts";
import type { JobFields } from "./jobFields.ts";

const GIB = 1024 ** 3;
const source = sourceFromSpec(
  { name: "db-01", sourceId: "s-db01", systemDiskGiB: 120, dataDiskGiB: [300] },
  seededRandom(1),
  0,
);
/** A job as Create stores it: the source's partitions, disks as large as the source's. */
const fitting = {
  systemDiskSize: 120,
  systemDiskParts: partsOf(source.systemDiskParts),
  dataDisks: withDefaultParts([{ index: 1, size: 300, parts: [] }], source),
  netMode: 0,
  vpcId: "",
  vSwitchId: "",
  targetType: "Image" as const,
  instanceId: "",
};

function thrown(check: () => void): ApiError | undefined {
  try {
    check();
  } catch (error) {
    return error as ApiError;
  }
  return undefined;
}

describe("checkJobConsistency", () => {
  it("passes a job whose partitions fit, with the source's own as the default", () => {
    expect(fitting.dataDisks[0]?.parts).toEqual(partsOf(source.dataDisks[0]?.parts ?? []));
    expect(thrown(() => checkJobConsistency(fitting, source))).toBeUndefined();
  });

  it("names the least system disk size that holds the partitions", () => {
    const error = thrown(() => checkJobConsistency({ ...fitting, systemDiskSize: 119 }, source));
    expect(error?.code).toBe("InvalidParameter");
    expect(error?.message).toContain(
      '"SystemDiskSize" is not valid: got "119", expected at least 120 GiB',
    );
    expect(error?.message).toContain("the default when no SystemDiskPart.N is given");
  });

  it("says when no system disk size up to 500 GiB can hold the partitions given", () => {
    const parts = [{ device: "0_0", sizeBytes: 600 * GIB, block: true }];
    const error = thrown(() =>
      checkJobConsistency({ ...fitting, systemDiskSize: 500, systemDiskParts: parts }, source),
    );
    expect(error?.message).toContain("more than the largest SystemDiskSize (500 GiB)");
  });

  it("checks data disk indexes before their sizes, and sizes against their partitions", () => {
    const missing = thrown(() =>
      checkJobConsistency(
        { ...fitting, systemDiskSize: 20, dataDisks: [{ index: 2, size: 20, parts: [] }] },
        source,
      ),
    );
    expect(missing?.code).toBe("ReplicationJobDataDiskIndex.Invalid");
    expect(missing?.message).toContain("index 2 (source s-db01 has: 1)");
    const small = withDefaultParts([{ index: 1, size: 299, parts: [] }], source);
    const error = thrown(() => checkJobConsistency({ ...fitting, dataDisks: small }, source));
    expect(error?.message).toContain(
      '"DataDisk.1.Size" is not valid: got "299", expected at least 300 GiB',
    );
  });

  it("checks only the rules that read a changed field (Modify)", () => {
    const broken = { ...fitting, systemDiskSize: 20, netMode: 2 };
    const only = (...fields: Array<keyof JobFields>) =>
      thrown(() => checkJobConsistency(broken, source, new Set(fields)))?.message;
    expect(only("description", "name")).toBeUndefined();
    expect(only("frequency", "validTime")).toBeUndefined();
    expect(only("systemDiskParts")).toContain("SystemDiskSize");
    expect(only("vSwitchId")).toBe("You must specify VSwitchId.");
    expect(thrown(() => checkJobConsistency(broken, source))?.message).toContain("SystemDiskSize");
  });
});
