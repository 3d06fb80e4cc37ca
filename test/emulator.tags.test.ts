/**
 * TagResources, ListTagResources (NextToken paging) and UntagResources with every tag error code,
 * through the official pop-core client.
 */
import { describe, expect, it } from "vitest";
import { useConformanceEmulator } from "./emulatorConformance.ts";
import { rejects } from "./emulatorKit.ts";

const c = useConformanceEmulator();

describe("tags", () => {
  it("tags, lists with NextToken paging and untags", async () => {
    const ids = c.sourceIds.slice(0, 30);
    const resources = Object.fromEntries(ids.map((id, i) => [`ResourceId.${i + 1}`, id]));
    await c.smc.call("TagResources", {
      ResourceType: "sourceserver",
      ...resources,
      "Tag.1.Key": "wave",
      "Tag.1.Value": "1",
      "Tag.2.Key": "env",
      "Tag.2.Value": "",
    });
    const first = await c.smc.call("ListTagResources", { ResourceType: "sourceserver" });
    expect(first.TagResources.TagResource).toHaveLength(50);
    expect(first.TagResources.TagResource[0]).toMatchObject({
      ResourceType: "ALIYUN::SMC::SOURCESERVER",
      TagKey: "wave",
      TagValue: "1",
    });
    expect(first.NextToken).not.toBe("");
    const second = await c.smc.call("ListTagResources", {
      ResourceType: "sourceserver",
      NextToken: first.NextToken,
    });
    expect(second.TagResources.TagResource).toHaveLength(10);
    expect(second.NextToken).toBe("");
    const filtered = await c.smc.call("ListTagResources", {
      ResourceType: "sourceserver",
      "Tag.1.Key": "wave",
      "Tag.1.Value": "1",
      "ResourceId.1": ids[0] ?? "",
    });
    expect(filtered.TagResources.TagResource).toEqual([
      {
        ResourceId: ids[0],
        ResourceType: "ALIYUN::SMC::SOURCESERVER",
        TagKey: "wave",
        TagValue: "1",
      },
    ]);
    await rejects(
      c.smc.call("ListTagResources", { ResourceType: "sourceserver", "Tag.1.Value": "1" }),
      "InvalidParameter.TagValue",
      400,
    );
    await rejects(
      c.smc.call("ListTagResources", { ResourceType: "sourceserver", NextToken: "feedface" }),
      "InvalidParameter",
      400,
    );

    await c.smc.call("UntagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": ids[0] ?? "",
      "TagKey.1": "wave",
    });
    await c.smc.call("UntagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": ids[1] ?? "",
      All: true,
    });
    const left = await c.smc.call("ListTagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": ids[0] ?? "",
      "ResourceId.2": ids[1] ?? "",
    });
    expect(left.TagResources.TagResource).toEqual([
      {
        ResourceId: ids[0],
        ResourceType: "ALIYUN::SMC::SOURCESERVER",
        TagKey: "env",
        TagValue: "",
      },
    ]);

    const jobId = await c.create({ "Tag.1.Key": "owner", "Tag.1.Value": "team-a" });
    const jobTags = await c.smc.call("ListTagResources", { ResourceType: "replicationjob" });
    expect(jobTags.TagResources.TagResource).toEqual([
      {
        ResourceId: jobId,
        ResourceType: "ALIYUN::SMC::REPLICATIONJOB",
        TagKey: "owner",
        TagValue: "team-a",
      },
    ]);
  });

  it("answers every tag error code", async () => {
    const id = c.sourceIds[0] ?? "";
    const tags = (from: number, count: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`Tag.${i + 1}.Key`, `key-${from + i}`]),
      );
    await c.smc.call("TagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": id,
      ...tags(0, 15),
    });
    await rejects(
      c.smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        ...tags(100, 6),
      }),
      "NumberExceed.Tags",
      400,
    );
    await c.smc.call("TagResources", {
      ResourceType: "sourceserver",
      "ResourceId.1": id,
      ...tags(100, 5),
    });
    await rejects(
      c.smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": c.sourceIds[1] ?? "",
        ...tags(0, 21),
      }),
      "NumberExceed.Tags",
      400,
    );
    await rejects(
      c.smc.call("UntagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        ...Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`TagKey.${i + 1}`, `k${i}`])),
      }),
      "NumberExceed.Tags",
      400,
    );
    const fiftyOne = Object.fromEntries(
      Array.from({ length: 51 }, (_, i) => [`ResourceId.${i + 1}`, c.sourceIds[i % 40] ?? ""]),
    );
    await rejects(
      c.smc.call("TagResources", { ResourceType: "sourceserver", ...fiftyOne, "Tag.1.Key": "k" }),
      "NumberExceed.ResourceIds",
      400,
    );
    await rejects(
      c.smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        "ResourceId.2": id,
        "Tag.1.Key": "k",
      }),
      "Duplicate.ResourceId",
      400,
    );
    await rejects(
      c.smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": "s-nothere",
        "Tag.1.Key": "k",
      }),
      "InvalidResourceId.NotFound",
      400,
    );
    await rejects(
      c.smc.call("TagResources", { "ResourceId.1": id, "Tag.1.Key": "k" }),
      "MissingParameter.ResourceType",
      400,
    );
    await rejects(
      c.smc.call("TagResources", {
        ResourceType: "instance",
        "ResourceId.1": id,
        "Tag.1.Key": "k",
      }),
      "InvalidResourceType.NotFound",
      400,
    );
    await rejects(c.smc.call("ListTagResources", {}), "MissingParameter.ResourceType", 400);
    await rejects(
      c.smc.call("UntagResources", { ResourceType: "nothing", "ResourceId.1": id }),
      "InvalidResourceType.NotFound",
      400,
    );
    await rejects(
      c.smc.call("TagResources", {
        ResourceType: "sourceserver",
        "ResourceId.1": id,
        "Tag.1.Key": "aliyun-x",
      }),
      "InvalidParameter",
      400,
    );
    await rejects(
      c.smc.call("TagResources", {
        ResourceType: "replicationjob",
        "ResourceId.1": id,
        "Tag.1.Key": "k",
      }),
      "InvalidResourceId.NotFound",
      400,
    );
  });
});
