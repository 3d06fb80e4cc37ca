/** The 13 actions of SMC 2019-06-01 the emulator models, one handler module each. */
import type { ActionHandler } from "./actionContext.ts";
import { createReplicationJob } from "./createReplicationJob.ts";
import { cutOverReplicationJob } from "./cutOverReplicationJob.ts";
import { deleteReplicationJob } from "./deleteReplicationJob.ts";
import { deleteSourceServer } from "./deleteSourceServer.ts";
import { describeReplicationJobs } from "./describeReplicationJobs.ts";
import { describeSourceServers } from "./describeSourceServers.ts";
import { listTagResources } from "./listTagResources.ts";
import { modifyReplicationJobAttribute } from "./modifyReplicationJobAttribute.ts";
import { modifySourceServerAttribute } from "./modifySourceServerAttribute.ts";
import { startReplicationJob } from "./startReplicationJob.ts";
import { stopReplicationJob } from "./stopReplicationJob.ts";
import { tagResources } from "./tagResources.ts";
import { untagResources } from "./untagResources.ts";

export const ACTIONS: ReadonlyMap<string, ActionHandler> = new Map(
  Object.entries({
    DescribeSourceServers: describeSourceServers,
    DeleteSourceServer: deleteSourceServer,
    ModifySourceServerAttribute: modifySourceServerAttribute,
    CreateReplicationJob: createReplicationJob,
    DeleteReplicationJob: deleteReplicationJob,
    DescribeReplicationJobs: describeReplicationJobs,
    ModifyReplicationJobAttribute: modifyReplicationJobAttribute,
    StartReplicationJob: startReplicationJob,
    StopReplicationJob: stopReplicationJob,
    CutOverReplicationJob: cutOverReplicationJob,
    TagResources: tagResources,
    ListTagResources: listTagResources,
    UntagResources: untagResources,
  }),
);
