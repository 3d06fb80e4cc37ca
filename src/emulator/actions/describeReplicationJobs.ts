/** DescribeReplicationJobs: filters are ANDed; newest first, so paging is stable while jobs are added. */
import { tooManyIds } from "../paramReader.ts";
import { jobToWire } from "../wireShapes.ts";
import type { ActionHandler } from "./actionContext.ts";
import { pageOf, readPage } from "./fieldRules.ts";

const STATUSES = [
  "Ready",
  "Running",
  "Stopped",
  "InError",
  "Finished",
  "Waiting",
  "Expired",
  "Deleting",
] as const;
const BUSINESS = ["Preparing", "Syncing", "Processing", "Cleaning"] as const;

export const describeReplicationJobs: ActionHandler = ({ store, params }) => {
  const sourceIds = params.list("SourceId", 50, tooManyIds("SourceId"));
  const jobIds = params.list("JobId", 50, tooManyIds("JobId"));
  const name = params.string("Name");
  const regionId = params.string("RegionId");
  const status = params.oneOf("Status", STATUSES);
  const businessStatus = params.oneOf("BusinessStatus", BUSINESS);
  const page = readPage(params);
  const matching = [...store.jobs()]
    .filter(
      (job) =>
        (sourceIds.length === 0 || sourceIds.includes(job.sourceId)) &&
        (jobIds.length === 0 || jobIds.includes(job.jobId)) &&
        (!name || job.name === name) &&
        (!regionId || job.regionId === regionId) &&
        (!status || job.status === status),
    )
    .map((job) => store.view(job))
    .filter((job) => !businessStatus || job.businessStatus === businessStatus)
    .reverse();
  return {
    ReplicationJobs: { ReplicationJob: pageOf(matching, page).map(jobToWire) },
    TotalCount: matching.length,
    PageNumber: page.pageNumber,
    PageSize: page.pageSize,
  };
};
