/**
 * ModifySourceServerAttribute: Name and Description in any state ([model] except Deleting, which
 * answers SourceServerState.Invalid); source names are unique.
 */
import { ApiError } from "../errorCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import { checkDescription, checkName } from "./fieldRules.ts";
import { findSource } from "./resourceLookup.ts";

export const modifySourceServerAttribute: ActionHandler = ({ store, params }) => {
  const source = findSource(store, params.required("SourceId"));
  const name = params.string("Name");
  const description = params.string("Description");
  if (name !== undefined) checkName("Name", name);
  if (description !== undefined) checkDescription("Description", description);
  if (source.baseState === "Deleting") throw new ApiError("SourceServerState.Invalid");
  if (
    name !== undefined &&
    [...store.sources.values()].some(
      (other) => other.sourceId !== source.sourceId && other.name === name,
    )
  ) {
    throw new ApiError("SourceServerName.Duplicate");
  }
  if (name !== undefined) source.name = name;
  if (description !== undefined) source.description = description;
  return {};
};
