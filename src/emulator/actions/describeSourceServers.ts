/** DescribeSourceServers: filters are ANDed; an absent filter matches everything. */
import { tooManyIds } from "../paramReader.ts";
import { sourceToWire } from "../wireShapes.ts";
import type { ActionHandler } from "./actionContext.ts";
import { pageOf, readPage } from "./fieldRules.ts";

const STATES = ["Unavailable", "Available", "InUse", "Deleting"] as const;

export const describeSourceServers: ActionHandler = ({ store, params }) => {
  const ids = params.list("SourceId", 50, tooManyIds("SourceId"));
  const jobId = params.string("JobId");
  const state = params.oneOf("State", STATES);
  const name = params.string("Name");
  const page = readPage(params);
  const matching = [...store.sources.values()].filter(
    (source) =>
      (ids.length === 0 || ids.includes(source.sourceId)) &&
      (!jobId || source.jobId === jobId) &&
      (!state || store.sourceState(source) === state) &&
      (!name || source.name === name),
  );
  return {
    SourceServers: {
      SourceServer: pageOf(matching, page).map((source) => sourceToWire(store, source)),
    },
    TotalCount: matching.length,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
  };
};
