/** Rules several actions share: names, descriptions, paging, tags, tag resources. */
import type { EmulatorStore, ResourceType } from "../emulatorStore.ts";
import { ApiError, invalidParameter, missingActionParameter } from "../errorCatalogue.ts";
import type { ParamReader } from "../paramReader.ts";

/**
 * Names of jobs, images and sources: 2–128 characters, starting with a Latin or Chinese letter, then
 * letters, digits, `:`, `_`, `-` (which also rules out a leading `http://` or `https://`).
 */
const NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5:_-]{1,127}$/u;

export function checkName(parameter: string, value: string): string {
  if (!NAME.test(value)) {
    throw invalidParameter(
      parameter,
      value,
      "2–128 characters starting with a letter (Latin or Chinese), then letters, digits, ':', '_' or '-'",
    );
  }
  return value;
}

/** Descriptions: at most 256 characters, not starting with http:// or https://. */
export function checkDescription(parameter: string, value: string): string {
  if (value.length > 256 || /^https?:\/\//i.test(value)) {
    throw invalidParameter(
      parameter,
      value,
      "at most 256 characters, not starting with http:// or https://",
    );
  }
  return value;
}

export interface Page {
  pageNumber: number;
  pageSize: number;
}

/** PageNumber ≥ 1 (default 1), PageSize 1–50 (default 10). */
export function readPage(params: ParamReader): Page {
  return {
    pageNumber: params.int("PageNumber", { min: 1 }) ?? 1,
    pageSize: params.int("PageSize", { min: 1, max: 50 }) ?? 10,
  };
}

export function pageOf<T>(items: readonly T[], page: Page): T[] {
  const start = (page.pageNumber - 1) * page.pageSize;
  return items.slice(start, start + page.pageSize);
}

export interface TagInput {
  key: string | undefined;
  value: string | undefined;
}

/** At most 20 tags per request and per resource (NumberExceed.Tags). */
export const MAX_TAGS = 20;

const tooManyTags = () => new ApiError("NumberExceed.Tags");

/** `Tag.N.Key` / `Tag.N.Value` pairs, checked against the tag rules. */
export function readTags(params: ParamReader): TagInput[] {
  return params.groups("Tag", MAX_TAGS, tooManyTags).map(({ n, reader }) => {
    const key = reader.string("Key");
    const value = reader.string("Value");
    if (
      key !== undefined &&
      (key === "" || key.length > 128 || /^(aliyun|acs:|https?:\/\/)/i.test(key))
    ) {
      throw invalidParameter(
        `Tag.${n}.Key`,
        key,
        "1–128 characters not starting with aliyun, acs:, http:// or https://",
      );
    }
    if (value !== undefined && value.length > 128) {
      throw invalidParameter(`Tag.${n}.Value`, value, "at most 128 characters");
    }
    return { key, value };
  });
}

/** Tags to attach: every pair needs a key; a later pair with the same key wins. */
export function tagsToAttach(params: ParamReader): Map<string, string> {
  const tags = new Map<string, string>();
  readTags(params).forEach(({ key, value }, i) => {
    if (key === undefined) throw missingActionParameter(`Tag.${i + 1}.Key`);
    tags.set(key, value ?? "");
  });
  return tags;
}

/** Adds tags to a resource, keeping the limit of 20 per resource. */
export function attachTags(
  store: EmulatorStore,
  type: ResourceType,
  id: string,
  tags: ReadonlyMap<string, string>,
): void {
  const current = store.tagsOf(type, id);
  const keys = new Set([...current.keys(), ...tags.keys()]);
  if (keys.size > MAX_TAGS) throw new ApiError("NumberExceed.Tags");
  for (const [key, value] of tags) current.set(key, value);
}

const RESOURCE_TYPES = ["sourceserver", "replicationjob"] as const;

export function readResourceType(params: ParamReader): ResourceType {
  const value = params.string("ResourceType");
  if (value === undefined || value === "") throw new ApiError("MissingParameter.ResourceType");
  const type = RESOURCE_TYPES.find((candidate) => candidate === value.toLowerCase());
  if (!type) throw new ApiError("InvalidResourceType.NotFound");
  return type;
}

/** `ResourceId.N` (1–50, distinct, all existing); `required` for Tag and Untag. */
export function readResourceIds(
  params: ParamReader,
  store: EmulatorStore,
  type: ResourceType,
  required: boolean,
): string[] {
  const ids = params.list("ResourceId", 50, () => new ApiError("NumberExceed.ResourceIds"));
  if (required && ids.length === 0) throw missingActionParameter("ResourceId.N");
  if (new Set(ids).size !== ids.length) throw new ApiError("Duplicate.ResourceId");
  if (ids.some((id) => !store.resourceExists(type, id)))
    throw new ApiError("InvalidResourceId.NotFound");
  return ids;
}
