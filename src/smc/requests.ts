/**
 * Request and result shapes of the SMC actions that `types.ts` does not already hold, in camelCase.
 * The client maps them onto the service's names (`SourceId.N`, `Tag.N.Key`, ...) in rpcEncoding.ts.
 * Ranges and rules: ../shared/spec/smc-api.md, section 3.
 */
import type {
  BusinessStatus,
  CreateReplicationJobRequest,
  ReplicationJobStatus,
  SourceServerState,
  Tag,
} from "./types.ts";

/** Per-call options every client method takes. */
export interface CallOptions {
  /** Aborts the HTTP request; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Every successful response carries the service's request id (quote it to Alibaba Cloud support). */
export interface Acknowledged {
  requestId: string;
}

export interface DescribeSourceServersRequest {
  /** At most 50 ids (`SourceId.N`). */
  sourceIds?: readonly string[];
  jobId?: string;
  state?: SourceServerState;
  name?: string;
  /** 1-based. @default 1 (service side) */
  pageNumber?: number;
  /** At most 50. @default 10 (service side) */
  pageSize?: number;
}

/** A filter for `describeAllSourceServers`: paging is the client's business there. */
export type SourceServerFilter = Omit<DescribeSourceServersRequest, "pageNumber" | "pageSize">;

export interface DeleteSourceServerRequest {
  sourceId: string;
  /** Also delete the source's jobs that are not Running (contract rule 7). @default false */
  force?: boolean;
}

export interface ModifySourceServerAttributeRequest {
  sourceId: string;
  name?: string;
  description?: string;
}

export interface JobIdRequest {
  jobId: string;
}

export interface CutOverReplicationJobRequest {
  /** An incremental (RunOnce=false) job; the service accepts it only while `Waiting`. */
  jobId: string;
  /**
   * Run one last synchronisation first (one more run and image, the job Running meanwhile), then
   * finish; false finishes at once with the images the job has. @default false (service side)
   */
  syncData?: boolean;
}

export interface DescribeReplicationJobsRequest {
  /** At most 50 ids (`SourceId.N`). */
  sourceIds?: readonly string[];
  /** At most 50 ids (`JobId.N`): poll in batches. */
  jobIds?: readonly string[];
  name?: string;
  regionId?: string;
  status?: ReplicationJobStatus;
  businessStatus?: BusinessStatus;
  /** 1-based. @default 1 (service side) */
  pageNumber?: number;
  /** At most 50. @default 10 (service side) */
  pageSize?: number;
}

export type ReplicationJobFilter = Omit<DescribeReplicationJobsRequest, "pageNumber" | "pageSize">;

/**
 * The fields ModifyReplicationJobAttribute accepts (the create-time fields minus those fixed at
 * creation). Name and Description can change any time; see contract rule 8 for the rest.
 */
export type ModifyReplicationJobAttributeRequest = JobIdRequest &
  Partial<
    Pick<
      CreateReplicationJobRequest,
      | "name"
      | "description"
      | "targetType"
      | "scheduledStartTime"
      | "validTime"
      | "imageName"
      | "instanceId"
      | "systemDiskSize"
      | "systemDiskParts"
      | "dataDisks"
      | "frequency"
      | "maxNumberOfImageToKeep"
      | "instanceType"
      | "instanceRamRole"
      | "containerNamespace"
      | "containerRepository"
      | "containerTag"
    >
  >;

/** The resource types the tag actions take, as the request spells them. @public */
export type TagResourceType = "sourceserver" | "replicationjob";

export interface TagResourcesRequest {
  resourceType: TagResourceType;
  /** 1–50 ids. */
  resourceIds: readonly string[];
  /** 1–20 tags. */
  tags: readonly Tag[];
}

export interface ListTagResourcesRequest {
  resourceType: TagResourceType;
  /** 1–50 ids. */
  resourceIds?: readonly string[];
  /** Filter by tags; a tag with only a value is rejected by the service (`InvalidParameter.TagValue`). */
  tags?: readonly Tag[];
  /** The `nextToken` of the previous page; omit for the first page. */
  nextToken?: string;
}

export interface TagResource {
  resourceId: string;
  /** As the service reports it: `ALIYUN::SMC::SOURCESERVER` or `ALIYUN::SMC::REPLICATIONJOB`. */
  resourceType: string;
  tagKey: string;
  tagValue: string;
}

export interface ListTagResourcesResult extends Acknowledged {
  tagResources: TagResource[];
  /** Empty when this was the last page. */
  nextToken: string;
}

export interface UntagResourcesRequest {
  resourceType: TagResourceType;
  /** 1–50 ids. */
  resourceIds: readonly string[];
  /** 1–20 keys. */
  tagKeys?: readonly string[];
  /** Remove every tag of the resources when `tagKeys` is empty. @default false */
  all?: boolean;
}
