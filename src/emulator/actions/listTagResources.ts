/**
 * ListTagResources: the (resource, tag) pairs of one resource type, optionally narrowed to
 * `ResourceId.N` and to resources carrying every `Tag.N` given. [model] With Tag.N filters only the
 * matching pairs are listed; pages hold 50 pairs; NextToken is opaque and "" on the last page.
 */
import { createHash } from "node:crypto";
import type { EmulatorStore } from "../emulatorStore.ts";
import { ApiError, invalidParameter } from "../errorCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import { readResourceIds, readResourceType, readTags } from "./fieldRules.ts";

const TAG_PAGE_SIZE = 50;

const WIRE_TYPE = {
  sourceserver: "ALIYUN::SMC::SOURCESERVER",
  replicationjob: "ALIYUN::SMC::REPLICATIONJOB",
} as const;

/** A token is the offset in hex plus a checksum, so a made-up token is rejected, not misread. */
function tokenFor(store: EmulatorStore, offset: number): string {
  const hex = offset.toString(16).padStart(8, "0");
  const check = createHash("sha256")
    .update(`${store.settings.simulation.seed}:${hex}`)
    .digest("hex")
    .slice(0, 24);
  return hex + check;
}

function offsetOf(store: EmulatorStore, token: string): number {
  const offset = /^[0-9a-f]{32}$/.test(token) ? Number.parseInt(token.slice(0, 8), 16) : -1;
  if (offset < 0 || tokenFor(store, offset) !== token) {
    throw invalidParameter(
      "NextToken",
      token,
      "a NextToken from a previous ListTagResources answer",
    );
  }
  return offset;
}

export const listTagResources: ActionHandler = ({ store, params }) => {
  const type = readResourceType(params);
  const filters = readTags(params);
  if (filters.some((filter) => filter.key === undefined && filter.value !== undefined)) {
    throw new ApiError("InvalidParameter.TagValue");
  }
  const ids = readResourceIds(params, store, type, false);
  const token = params.string("NextToken") ?? "";
  const offset = token === "" ? 0 : offsetOf(store, token);

  const candidates =
    ids.length > 0
      ? ids
      : type === "sourceserver"
        ? [...store.sources.keys()]
        : [...store.jobs()].map((job) => job.jobId);
  const pairs: Array<{
    ResourceId: string;
    ResourceType: string;
    TagKey: string;
    TagValue: string;
  }> = [];
  for (const id of candidates) {
    const tags = store.tags.get(`${type}/${id}`);
    if (!tags || tags.size === 0) continue;
    const matches = filters.every(
      (filter) =>
        filter.key !== undefined &&
        tags.has(filter.key) &&
        (filter.value === undefined || tags.get(filter.key) === filter.value),
    );
    if (!matches) continue;
    const keys = new Set(filters.map((filter) => filter.key));
    for (const [key, value] of tags) {
      if (filters.length > 0 && !keys.has(key)) continue;
      pairs.push({ ResourceId: id, ResourceType: WIRE_TYPE[type], TagKey: key, TagValue: value });
    }
  }
  const page = pairs.slice(offset, offset + TAG_PAGE_SIZE);
  const next = offset + TAG_PAGE_SIZE < pairs.length ? tokenFor(store, offset + TAG_PAGE_SIZE) : "";
  return { TagResources: { TagResource: page }, NextToken: next };
};
