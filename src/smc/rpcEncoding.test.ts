import { describe, expect, it } from "vitest";
import {
  encodeCreateReplicationJob,
  encodeDeleteSourceServer,
  encodeDescribeReplicationJobs,
  encodeDescribeSourceServers,
  encodeListTagResources,
  encodeModifyReplicationJobAttribute,
  encodeTagResources,
  encodeUntagResources,
  toWireParams,
} from "./rpcEncoding.ts";

describe("toWireParams", () => {
  it("flattens lists 1-based, nested lists and objects, and formats scalars", () => {
    expect(
      toWireParams({
        Name: "x",
        Size: 20,
        RunOnce: false,
        Skipped: undefined,
        SourceId: ["s-1", "s-2"],
        DataDisk: [{ Index: 1, Part: [{ Device: "0_1" }, { Device: "0_2", Block: true }] }],
      }),
    ).toEqual({
      Name: "x",
      Size: "20",
      RunOnce: "false",
      "SourceId.1": "s-1",
      "SourceId.2": "s-2",
      "DataDisk.1.Index": "1",
      "DataDisk.1.Part.1.Device": "0_1",
      "DataDisk.1.Part.2.Device": "0_2",
      "DataDisk.1.Part.2.Block": "true",
    });
  });

  it("keeps empty strings (the service distinguishes K= from no K)", () => {
    expect(toWireParams({ Description: "" })).toEqual({ Description: "" });
  });

  it("rejects non-finite numbers naming the parameter", () => {
    expect(() => toWireParams({ DataDisk: [{ Size: Number.NaN }] })).toThrow(
      /DataDisk\.1\.Size.*NaN/,
    );
  });

  it("sends nothing for an empty list", () => {
    expect(toWireParams({ SourceId: [] })).toEqual({});
  });
});

describe("request encoders", () => {
  it("encodes CreateReplicationJob with disks, parts and tags", () => {
    const wire = encodeCreateReplicationJob({
      regionId: "cn-hangzhou",
      sourceId: "s-abc",
      systemDiskSize: 40,
      clientToken: "tok-1",
      name: "job1",
      targetType: "Image",
      runOnce: true,
      netMode: 2,
      vSwitchId: "vsw-1",
      systemDiskParts: [{ device: "0_1", sizeBytes: 1024, block: true }],
      dataDisks: [
        { index: 1, size: 100, parts: [{ device: "1_1", sizeBytes: 2048, block: false }] },
      ],
      tags: [
        { key: "wave", value: "1" },
        { key: "empty", value: "" },
      ],
    });
    expect(wire).toEqual({
      RegionId: "cn-hangzhou",
      SourceId: "s-abc",
      SystemDiskSize: "40",
      ClientToken: "tok-1",
      Name: "job1",
      TargetType: "Image",
      RunOnce: "true",
      NetMode: "2",
      VSwitchId: "vsw-1",
      "SystemDiskPart.1.Device": "0_1",
      "SystemDiskPart.1.SizeBytes": "1024",
      "SystemDiskPart.1.Block": "true",
      "DataDisk.1.Index": "1",
      "DataDisk.1.Size": "100",
      "DataDisk.1.Part.1.Device": "1_1",
      "DataDisk.1.Part.1.SizeBytes": "2048",
      "DataDisk.1.Part.1.Block": "false",
      "Tag.1.Key": "wave",
      "Tag.1.Value": "1",
      "Tag.2.Key": "empty",
      "Tag.2.Value": "",
    });
  });

  it("encodes ModifyReplicationJobAttribute without create-only fields", () => {
    expect(
      encodeModifyReplicationJobAttribute({ jobId: "j-1", name: "n2", frequency: 12 }),
    ).toEqual({
      JobId: "j-1",
      Name: "n2",
      Frequency: "12",
    });
  });

  it("encodes the describe filters", () => {
    expect(
      encodeDescribeSourceServers({
        sourceIds: ["s-1"],
        state: "Available",
        pageNumber: 2,
        pageSize: 50,
      }),
    ).toEqual({ "SourceId.1": "s-1", State: "Available", PageNumber: "2", PageSize: "50" });
    expect(
      encodeDescribeReplicationJobs({
        jobIds: ["j-1", "j-2"],
        status: "Running",
        businessStatus: "Syncing",
      }),
    ).toEqual({ "JobId.1": "j-1", "JobId.2": "j-2", Status: "Running", BusinessStatus: "Syncing" });
    expect(encodeDescribeSourceServers({})).toEqual({});
  });

  it("encodes DeleteSourceServer's Force as a boolean string", () => {
    expect(encodeDeleteSourceServer({ sourceId: "s-1", force: true })).toEqual({
      SourceId: "s-1",
      Force: "true",
    });
    expect(encodeDeleteSourceServer({ sourceId: "s-1" })).toEqual({ SourceId: "s-1" });
  });

  it("encodes the tag actions", () => {
    expect(
      encodeTagResources({
        resourceType: "replicationjob",
        resourceIds: ["j-1", "j-2"],
        tags: [{ key: "k", value: "v" }],
      }),
    ).toEqual({
      ResourceType: "replicationjob",
      "ResourceId.1": "j-1",
      "ResourceId.2": "j-2",
      "Tag.1.Key": "k",
      "Tag.1.Value": "v",
    });
    expect(encodeListTagResources({ resourceType: "sourceserver", nextToken: "abc" })).toEqual({
      ResourceType: "sourceserver",
      NextToken: "abc",
    });
    expect(
      encodeUntagResources({
        resourceType: "sourceserver",
        resourceIds: ["s-1"],
        tagKeys: ["a", "b"],
        all: false,
      }),
    ).toEqual({
      ResourceType: "sourceserver",
      "ResourceId.1": "s-1",
      "TagKey.1": "a",
      "TagKey.2": "b",
      All: "false",
    });
  });
});
