/**
 * UntagResources: removes `TagKey.N` (1–20) from each resource, or every tag with All=true when no
 * TagKey.N is given. Keys a resource does not have are ignored.
 */
import { ApiError } from "../errorCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import { MAX_TAGS, readResourceIds, readResourceType } from "./fieldRules.ts";

export const untagResources: ActionHandler = ({ store, params }) => {
  const type = readResourceType(params);
  const keys = params.list("TagKey", MAX_TAGS, () => new ApiError("NumberExceed.Tags"));
  const all = params.bool("All") ?? false;
  const ids = readResourceIds(params, store, type, true);
  for (const id of ids) {
    const tags = store.tagsOf(type, id);
    if (keys.length > 0) for (const key of keys) tags.delete(key);
    else if (all) tags.clear();
  }
  return {};
};
