/**
 * Service responses (PascalCase, lists wrapped as `{"SourceServers":{"SourceServer":[...]}}`) → the
 * plain camelCase objects of types.ts. Tolerant on purpose: a missing or mistyped field becomes ""
 * / 0 / [] / false rather than an exception, because one odd field in a 50-item page must not stop
 * an orchestrator from seeing the other 49. Numbers and booleans sent as strings are accepted too.
 */
import type { ListTagResourcesResult, TagResource } from "./requests.ts";
import type {
  DiskPart,
  JobDataDisk,
  JobPartSpec,
  JobRun,
  Page,
  ReplicationJob,
  SourceDataDisk,
  SourceServer,
} from "./types.ts";

/** A decoded JSON object whose fields are not trusted yet. */
export type RawObject = { readonly [name: string]: unknown };

export function isRawObject(value: unknown): value is RawObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(raw: RawObject, name: string): string {
  const value = raw[name];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

function num(raw: RawObject, name: string): number {
  const value = raw[name];
  if (typeof value === "number") return Number.isFinite(value) ? value : 0;
  if (typeof value === "string" && value.trim() !== "") {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : 0;
  }
  return 0;
}

function bool(raw: RawObject, name: string, fallback = false): boolean {
  const value = raw[name];
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return fallback;
}

/**
 * Unwraps `raw[outer][inner]` into a list of objects. Accepts a lone object where a list was
 * expected (what XML-to-JSON converters make of a one-element list) and skips non-objects.
 */
export function wrappedList(raw: RawObject, outer: string, inner: string): RawObject[] {
  const wrapper = raw[outer];
  const items = isRawObject(wrapper)
    ? wrapper[inner]
    : Array.isArray(wrapper)
      ? wrapper
      : undefined;
  if (Array.isArray(items)) return items.filter(isRawObject);
  return isRawObject(items) ? [items] : [];
}

/**
 * Enum fields are passed through unchecked: if the service adds a state, callers should see its real
 * name (and fall into their default branch) rather than a made-up known one or a thrown page.
 */
function enumValue<T extends string>(value: string): T {
  return value as T;
}

function diskPart(raw: RawObject): DiskPart {
  return {
    path: str(raw, "Path"),
    device: str(raw, "Device"),
    sizeBytes: num(raw, "SizeBytes"),
    canBlock: bool(raw, "CanBlock"),
    need: bool(raw, "Need"),
  };
}

function sourceDataDisk(raw: RawObject): SourceDataDisk {
  return {
    index: num(raw, "Index"),
    path: str(raw, "Path"),
    size: num(raw, "Size"),
    parts: wrappedList(raw, "Parts", "Part").map(diskPart),
  };
}

export function decodeSourceServer(raw: RawObject): SourceServer {
  return {
    sourceId: str(raw, "SourceId"),
    name: str(raw, "Name"),
    description: str(raw, "Description"),
    state: enumValue(str(raw, "State")),
    errorCode: str(raw, "ErrorCode"),
    statusInfo: str(raw, "StatusInfo"),
    agentVersion: str(raw, "AgentVersion"),
    architecture: str(raw, "Architecture"),
    platform: str(raw, "Platform"),
    kernelLevel: num(raw, "KernelLevel"),
    replicationDriver: str(raw, "ReplicationDriver"),
    heartbeatRate: num(raw, "HeartbeatRate"),
    creationTime: str(raw, "CreationTime"),
    jobId: str(raw, "JobId"),
    systemDiskSize: num(raw, "SystemDiskSize"),
    systemDiskParts: wrappedList(raw, "SystemDiskParts", "SystemDiskPart").map(diskPart),
    dataDisks: wrappedList(raw, "DataDisks", "DataDisk").map(sourceDataDisk),
    systemInfo: str(raw, "SystemInfo"),
  };
}

function jobPart(raw: RawObject): JobPartSpec {
  return {
    device: str(raw, "Device"),
    sizeBytes: num(raw, "SizeBytes"),
    block: bool(raw, "Block"),
  };
}

function jobDataDisk(raw: RawObject): JobDataDisk {
  return {
    index: num(raw, "Index"),
    size: num(raw, "Size"),
    parts: wrappedList(raw, "Parts", "Part").map(jobPart),
  };
}

function jobRun(raw: RawObject): JobRun {
  return {
    startTime: str(raw, "StartTime"),
    endTime: str(raw, "EndTime"),
    imageId: str(raw, "ImageId"),
    type: str(raw, "Type") === "Schedule" ? "Schedule" : "Manual",
  };
}

export function decodeReplicationJob(raw: RawObject): ReplicationJob {
  const businessStatus = str(raw, "BusinessStatus");
  return {
    jobId: str(raw, "JobId"),
    name: str(raw, "Name"),
    description: str(raw, "Description"),
    sourceId: str(raw, "SourceId"),
    regionId: str(raw, "RegionId"),
    // The service's default target type; a job always reports one, so this only covers odd bodies.
    targetType: enumValue(str(raw, "TargetType") || "Image"),
    status: enumValue(str(raw, "Status")),
    businessStatus: businessStatus === "" ? "" : enumValue(businessStatus),
    imageName: str(raw, "ImageName"),
    imageId: str(raw, "ImageId"),
    instanceId: str(raw, "InstanceId"),
    systemDiskSize: num(raw, "SystemDiskSize"),
    dataDisks: wrappedList(raw, "DataDisks", "DataDisk").map(jobDataDisk),
    transitionInstanceId: str(raw, "TransitionInstanceId"),
    netMode: num(raw, "NetMode"),
    vpcId: str(raw, "VpcId"),
    vSwitchId: str(raw, "VSwitchId"),
    replicationParameters: str(raw, "ReplicationParameters"),
    // RunOnce defaults to true on the service; a body without it describes a one-off job.
    runOnce: bool(raw, "RunOnce", true),
    frequency: num(raw, "Frequency"),
    maxNumberOfImageToKeep: num(raw, "MaxNumberOfImageToKeep"),
    scheduledStartTime: str(raw, "ScheduledStartTime"),
    validTime: str(raw, "ValidTime"),
    creationTime: str(raw, "CreationTime"),
    startTime: str(raw, "StartTime"),
    endTime: str(raw, "EndTime"),
    progress: num(raw, "Progress"),
    errorCode: str(raw, "ErrorCode"),
    statusInfo: str(raw, "StatusInfo"),
    replicationJobRuns: wrappedList(raw, "ReplicationJobRuns", "ReplicationJobRun").map(jobRun),
  };
}

/** A `Describe*` page: `wrapper/item` list plus `TotalCount`, `PageNumber`, `PageSize`. */
export function decodePage<T>(
  raw: RawObject,
  wrapper: string,
  item: string,
  decode: (raw: RawObject) => T,
): Page<T> {
  return {
    items: wrappedList(raw, wrapper, item).map(decode),
    totalCount: num(raw, "TotalCount"),
    pageNumber: num(raw, "PageNumber"),
    pageSize: num(raw, "PageSize"),
    requestId: str(raw, "RequestId"),
  };
}

function tagResource(raw: RawObject): TagResource {
  return {
    resourceId: str(raw, "ResourceId"),
    resourceType: str(raw, "ResourceType"),
    tagKey: str(raw, "TagKey"),
    tagValue: str(raw, "TagValue"),
  };
}

export function decodeListTagResources(raw: RawObject): ListTagResourcesResult {
  return {
    tagResources: wrappedList(raw, "TagResources", "TagResource").map(tagResource),
    nextToken: str(raw, "NextToken"),
    requestId: str(raw, "RequestId"),
  };
}
