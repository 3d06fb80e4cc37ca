/**
 * camelCase requests → the flat wire parameters of the RPC protocol: lists become `Name.N` (1-based),
 * lists of objects `Name.N.Sub`, nested lists `DataDisk.1.Part.2.Device`; booleans "true"/"false",
 * numbers as decimal strings; undefined values are left out (the service then applies its default).
 */
import type {
  DeleteSourceServerRequest,
  DescribeReplicationJobsRequest,
  DescribeSourceServersRequest,
  ListTagResourcesRequest,
  ModifyReplicationJobAttributeRequest,
  ModifySourceServerAttributeRequest,
  TagResourcesRequest,
  UntagResourcesRequest,
} from "./requests.ts";
import type { WireParams } from "./signature.ts";
import type { CreateReplicationJobRequest, JobDataDisk, JobPartSpec, Tag } from "./types.ts";

/** A value before flattening: scalars, lists of values, or objects of PascalCase keys. */
export type RpcValue =
  | string
  | number
  | boolean
  | undefined
  | readonly RpcValue[]
  | { readonly [name: string]: RpcValue };

/** Flattens PascalCase-keyed values into wire parameters (see the file comment for the rules). */
export function toWireParams(values: { readonly [name: string]: RpcValue }): WireParams {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) flattenInto(out, name, value);
  return out;
}

function flattenInto(out: Record<string, string>, prefix: string, value: RpcValue): void {
  if (value === undefined) return;
  if (typeof value === "string") out[prefix] = value;
  else if (typeof value === "boolean") out[prefix] = value ? "true" : "false";
  else if (typeof value === "number") {
    // NaN/Infinity would go out as "NaN" and come back as a confusing InvalidParameter.
    if (!Number.isFinite(value)) {
      throw new RangeError(`SMC parameter ${prefix} must be a finite number, got ${value}`);
    }
    out[prefix] = String(value);
  } else if (isList(value)) {
    for (const [index, item] of value.entries()) flattenInto(out, `${prefix}.${index + 1}`, item);
  } else {
    for (const [name, item] of Object.entries(value)) flattenInto(out, `${prefix}.${name}`, item);
  }
}

// Array.isArray does not narrow `readonly T[]` out of a union; this guard does.
function isList(value: RpcValue): value is readonly RpcValue[] {
  return Array.isArray(value);
}

const partSpec = (part: JobPartSpec) => ({
  Device: part.device,
  SizeBytes: part.sizeBytes,
  Block: part.block,
});

const dataDisk = (disk: JobDataDisk) => ({
  Size: disk.size,
  Index: disk.index,
  Part: disk.parts?.map(partSpec),
});

const tag = (t: Tag) => ({ Key: t.key, Value: t.value });

export function encodeDescribeSourceServers(request: DescribeSourceServersRequest): WireParams {
  return toWireParams({
    SourceId: request.sourceIds,
    JobId: request.jobId,
    State: request.state,
    Name: request.name,
    PageNumber: request.pageNumber,
    PageSize: request.pageSize,
  });
}

export function encodeDeleteSourceServer(request: DeleteSourceServerRequest): WireParams {
  return toWireParams({ SourceId: request.sourceId, Force: request.force });
}

export function encodeModifySourceServerAttribute(
  request: ModifySourceServerAttributeRequest,
): WireParams {
  return toWireParams({
    SourceId: request.sourceId,
    Name: request.name,
    Description: request.description,
  });
}

/** The fields CreateReplicationJob and ModifyReplicationJobAttribute share. */
function jobAttributes(
  request: ModifyReplicationJobAttributeRequest | CreateReplicationJobRequest,
) {
  return {
    Name: request.name,
    Description: request.description,
    TargetType: request.targetType,
    ScheduledStartTime: request.scheduledStartTime,
    ValidTime: request.validTime,
    ImageName: request.imageName,
    InstanceId: request.instanceId,
    SystemDiskSize: request.systemDiskSize,
    SystemDiskPart: request.systemDiskParts?.map(partSpec),
    DataDisk: request.dataDisks?.map(dataDisk),
    Frequency: request.frequency,
    MaxNumberOfImageToKeep: request.maxNumberOfImageToKeep,
    InstanceType: request.instanceType,
    InstanceRamRole: request.instanceRamRole,
    ContainerNamespace: request.containerNamespace,
    ContainerRepository: request.containerRepository,
    ContainerTag: request.containerTag,
  };
}

export function encodeCreateReplicationJob(request: CreateReplicationJobRequest): WireParams {
  return toWireParams({
    RegionId: request.regionId,
    SourceId: request.sourceId,
    ClientToken: request.clientToken,
    ...jobAttributes(request),
    Tag: request.tags?.map(tag),
    VpcId: request.vpcId,
    VSwitchId: request.vSwitchId,
    ReplicationParameters: request.replicationParameters,
    NetMode: request.netMode,
    RunOnce: request.runOnce,
  });
}

export function encodeModifyReplicationJobAttribute(
  request: ModifyReplicationJobAttributeRequest,
): WireParams {
  return toWireParams({ JobId: request.jobId, ...jobAttributes(request) });
}

export function encodeDescribeReplicationJobs(request: DescribeReplicationJobsRequest): WireParams {
  return toWireParams({
    SourceId: request.sourceIds,
    JobId: request.jobIds,
    Name: request.name,
    RegionId: request.regionId,
    Status: request.status,
    BusinessStatus: request.businessStatus,
    PageNumber: request.pageNumber,
    PageSize: request.pageSize,
  });
}

export function encodeTagResources(request: TagResourcesRequest): WireParams {
  return toWireParams({
    ResourceType: request.resourceType,
    ResourceId: request.resourceIds,
    Tag: request.tags.map(tag),
  });
}

export function encodeListTagResources(request: ListTagResourcesRequest): WireParams {
  return toWireParams({
    ResourceType: request.resourceType,
    ResourceId: request.resourceIds,
    Tag: request.tags?.map(tag),
    NextToken: request.nextToken,
  });
}

export function encodeUntagResources(request: UntagResourcesRequest): WireParams {
  return toWireParams({
    ResourceType: request.resourceType,
    ResourceId: request.resourceIds,
    TagKey: request.tagKeys,
    All: request.all,
  });
}
