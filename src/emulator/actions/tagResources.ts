/** TagResources: up to 50 resources and 20 tags per call; at most 20 tags per resource after it. */

import { ApiError } from "../errorCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import {
  attachTags,
  MAX_TAGS,
  readResourceIds,
  readResourceType,
  tagsToAttach,
} from "./fieldRules.ts";

export const tagResources: ActionHandler = ({ store, params }) => {
  const type = readResourceType(params);
  const tags = tagsToAttach(params);
  const ids = readResourceIds(params, store, type, true);
  // Check every resource before changing any, so a rejected call changes nothing.
  for (const id of ids) {
    const keys = new Set([...store.tagsOf(type, id).keys(), ...tags.keys()]);
    if (keys.size > MAX_TAGS) throw new ApiError("NumberExceed.Tags");
  }
  for (const id of ids) attachTags(store, type, id, tags);
  return {};
};
