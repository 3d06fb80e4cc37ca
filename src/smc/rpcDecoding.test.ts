import { describe, expect, it } from "vitest";
import {
  decodeListTagResources,
  decodePage,
  decodeReplicationJob,
  decodeSourceServer,
  wrappedList,
} from "./rpcDecoding.ts";

describe("wrappedList", () => {
  it("unwraps Outer/Inner lists, a lone object, and missing wrappers", () => {
    expect(wrappedList({ A: { B: [{ x: 1 }, { x: 2 }] } }, "A", "B")).toEqual([{ x: 1 }, { x: 2 }]);
    expect(wrappedList({ A: { B: { x: 1 } } }, "A", "B")).toEqual([{ x: 1 }]);
    expect(wrappedList({}, "A", "B")).toEqual([]);
    expect(wrappedList({ A: "" }, "A", "B")).toEqual([]);
    expect(wrappedList({ A: { B: [1, null, { x: 1 }] } }, "A", "B")).toEqual([{ x: 1 }]);
  });
});

describe("decodeSourceServer", () => {
  it("maps PascalCase fields and unwraps disks and parts", () => {
    const source = decodeSourceServer({
      SourceId: "s-1",
      Name: "web-1",
      State: "Available",
      KernelLevel: 3,
      HeartbeatRate: "60",
      SystemDiskSize: 40,
      SystemDiskParts: {
        SystemDiskPart: [{ Path: "/", Device: "0_1", SizeBytes: 1000, CanBlock: true, Need: true }],
      },
      DataDisks: {
        DataDisk: [
          {
            Index: 1,
            Path: "/data",
            Size: 100,
            Parts: {
              Part: [
                { Path: "/data", Device: "1_1", SizeBytes: "2000", CanBlock: "false", Need: true },
              ],
            },
          },
        ],
      },
    });
    expect(source).toMatchObject({
      sourceId: "s-1",
      name: "web-1",
      state: "Available",
      kernelLevel: 3,
      heartbeatRate: 60,
      systemDiskSize: 40,
      systemDiskParts: [{ path: "/", device: "0_1", sizeBytes: 1000, canBlock: true, need: true }],
      dataDisks: [
        {
          index: 1,
          path: "/data",
          size: 100,
          parts: [{ path: "/data", device: "1_1", sizeBytes: 2000, canBlock: false, need: true }],
        },
      ],
    });
  });

  it("fills defaults for an empty object", () => {
    expect(decodeSourceServer({})).toEqual({
      sourceId: "",
      name: "",
      description: "",
      state: "",
      errorCode: "",
      statusInfo: "",
      agentVersion: "",
      architecture: "",
      platform: "",
      kernelLevel: 0,
      replicationDriver: "",
      heartbeatRate: 0,
      creationTime: "",
      jobId: "",
      systemDiskSize: 0,
      systemDiskParts: [],
      dataDisks: [],
      systemInfo: "",
    });
  });
});

describe("decodeReplicationJob", () => {
  it("maps a running job with runs and disks", () => {
    const job = decodeReplicationJob({
      JobId: "j-1",
      SourceId: "s-1",
      Status: "Running",
      BusinessStatus: "Syncing",
      Progress: 42.5,
      RunOnce: false,
      Frequency: 12,
      DataDisks: {
        DataDisk: [
          { Index: 1, Size: 100, Parts: { Part: [{ Device: "1_1", SizeBytes: 5, Block: true }] } },
        ],
      },
      ReplicationJobRuns: {
        ReplicationJobRun: [{ StartTime: "a", EndTime: "b", ImageId: "m-1", Type: "Schedule" }],
      },
    });
    expect(job).toMatchObject({
      jobId: "j-1",
      sourceId: "s-1",
      status: "Running",
      businessStatus: "Syncing",
      progress: 42.5,
      runOnce: false,
      frequency: 12,
      targetType: "Image",
      dataDisks: [{ index: 1, size: 100, parts: [{ device: "1_1", sizeBytes: 5, block: true }] }],
      replicationJobRuns: [{ startTime: "a", endTime: "b", imageId: "m-1", type: "Schedule" }],
    });
  });

  it("tolerates missing fields: empty strings, zeros, empty lists, RunOnce's service default", () => {
    const job = decodeReplicationJob({ JobId: "j-2" });
    expect(job.businessStatus).toBe("");
    expect(job.progress).toBe(0);
    expect(job.dataDisks).toEqual([]);
    expect(job.replicationJobRuns).toEqual([]);
    expect(job.runOnce).toBe(true);
    expect(job.errorCode).toBe("");
  });
});

describe("pages and tags", () => {
  it("decodes a Describe page", () => {
    const page = decodePage(
      {
        RequestId: "r-1",
        TotalCount: 3,
        PageNumber: 1,
        PageSize: 2,
        ReplicationJobs: { ReplicationJob: [{ JobId: "a" }, { JobId: "b" }] },
      },
      "ReplicationJobs",
      "ReplicationJob",
      decodeReplicationJob,
    );
    expect(page.items.map((j) => j.jobId)).toEqual(["a", "b"]);
    expect(page).toMatchObject({ totalCount: 3, pageNumber: 1, pageSize: 2, requestId: "r-1" });
  });

  it("decodes ListTagResources", () => {
    expect(
      decodeListTagResources({
        RequestId: "r",
        NextToken: "n",
        TagResources: {
          TagResource: [
            {
              ResourceId: "s-1",
              ResourceType: "ALIYUN::SMC::SOURCESERVER",
              TagKey: "k",
              TagValue: "v",
            },
          ],
        },
      }),
    ).toEqual({
      requestId: "r",
      nextToken: "n",
      tagResources: [
        {
          resourceId: "s-1",
          resourceType: "ALIYUN::SMC::SOURCESERVER",
          tagKey: "k",
          tagValue: "v",
        },
      ],
    });
  });
});
