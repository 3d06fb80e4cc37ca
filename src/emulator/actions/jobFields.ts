/**
 * The job fields CreateReplicationJob and ModifyReplicationJobAttribute share, read and checked for
 * format and range (and duplicate data disk indexes within the request). Rules between fields and
 * the source (partitions fit, data disk indexes exist, network) are jobConsistency.ts's.
 */
import type { TargetType } from "../../smc/types.ts";
import { ApiError, invalidParameter, missingActionParameter } from "../errorCatalogue.ts";
import type { ParamReader } from "../paramReader.ts";
import type { JobDisk, JobPart } from "../records.ts";
import { checkDescription, checkName } from "./fieldRules.ts";

const DAY = 86_400_000;

export interface JobFields {
  name?: string;
  description?: string;
  targetType?: TargetType;
  scheduledStartTime?: number | null;
  validTime?: number | null;
  imageName?: string;
  instanceId?: string;
  systemDiskSize?: number;
  systemDiskParts?: JobPart[];
  dataDisks?: JobDisk[];
  vpcId?: string;
  vSwitchId?: string;
  replicationParameters?: string;
  netMode?: number;
  frequency?: number;
  maxNumberOfImageToKeep?: number;
  instanceType?: string;
  instanceRamRole?: string;
  containerNamespace?: string;
  containerRepository?: string;
  containerTag?: string;
}

function readParts(reader: ParamReader, name: string, max: number): JobPart[] {
  return reader
    .groups(
      name,
      max,
      () => new ApiError("InvalidParameter", `At most ${max} ${name}.N are allowed.`),
    )
    .map(({ n, reader: part }) => {
      const device = part.string("Device");
      const sizeBytes = part.int("SizeBytes", { min: 1 });
      if (device === undefined || device === "")
        throw missingActionParameter(`${name}.${n}.Device`);
      if (sizeBytes === undefined) throw missingActionParameter(`${name}.${n}.SizeBytes`);
      return { device, sizeBytes, block: part.bool("Block") ?? true };
    });
}

function readDataDisks(params: ParamReader): JobDisk[] {
  const disks = params
    .groups(
      "DataDisk",
      16,
      () => new ApiError("InvalidParameter", "At most 16 DataDisk.N are allowed."),
    )
    .map(({ n, reader }) => {
      const index = reader.int("Index", { min: 1, max: 16 });
      const size = reader.int("Size", { min: 20, max: 32768 });
      if (index === undefined) throw missingActionParameter(`DataDisk.${n}.Index`);
      if (size === undefined) throw missingActionParameter(`DataDisk.${n}.Size`);
      return { index, size, parts: readParts(reader, "Part", 64) };
    });
  if (new Set(disks.map((disk) => disk.index)).size !== disks.length)
    throw new ApiError("DataDisk.DuplicateIndex");
  return disks;
}

/**
 * Reads the fields present in the request. `creationTime` bounds ValidTime (creation + 7 … 90 days,
 * and after now); `now` bounds ScheduledStartTime (after now, at most 30 days ahead).
 */
export function readJobFields(params: ParamReader, now: number, creationTime: number): JobFields {
  const fields: JobFields = {};
  const name = params.string("Name");
  if (name !== undefined) fields.name = checkName("Name", name);
  const description = params.string("Description");
  if (description !== undefined) fields.description = checkDescription("Description", description);
  const imageName = params.string("ImageName");
  if (imageName !== undefined) fields.imageName = checkName("ImageName", imageName);
  const targetType = params.oneOf("TargetType", ["Image", "ContainerImage", "Instance"] as const, {
    ignoreCase: true,
  });
  if (targetType !== undefined) fields.targetType = targetType;

  const scheduled = params.time("ScheduledStartTime");
  if (scheduled !== undefined) {
    if (scheduled !== null && (scheduled <= now || scheduled > now + 30 * DAY)) {
      throw invalidParameter(
        "ScheduledStartTime",
        params.string("ScheduledStartTime") ?? "",
        `a time after now and at most 30 days ahead (now is ${new Date(now).toISOString()})`,
      );
    }
    fields.scheduledStartTime = scheduled;
  }
  const validTime = params.time("ValidTime");
  if (validTime !== undefined) {
    // [model] on Modify it must also lie ahead: a ValidTime already passed would expire the job
    // on the spot, which is what DeleteReplicationJob is for.
    if (
      validTime !== null &&
      (validTime < creationTime + 7 * DAY ||
        validTime > creationTime + 90 * DAY ||
        validTime <= now)
    ) {
      throw invalidParameter(
        "ValidTime",
        params.string("ValidTime") ?? "",
        `a time 7 to 90 days after the job's creation (${new Date(creationTime).toISOString()}) and after now (${new Date(now).toISOString()})`,
      );
    }
    fields.validTime = validTime;
  }

  const systemDiskSize = params.int("SystemDiskSize", { min: 20, max: 500 });
  if (systemDiskSize !== undefined) fields.systemDiskSize = systemDiskSize;
  const systemDiskParts = readParts(params, "SystemDiskPart", 64);
  if (systemDiskParts.length > 0) fields.systemDiskParts = systemDiskParts;
  if (hasPrefix(params, "DataDisk.")) {
    fields.dataDisks = readDataDisks(params);
  }

  const replicationParameters = params.string("ReplicationParameters", { maxLength: 2048 });
  if (replicationParameters !== undefined && replicationParameters !== "") {
    try {
      JSON.parse(replicationParameters);
    } catch {
      throw invalidParameter(
        "ReplicationParameters",
        replicationParameters,
        'a JSON object such as {"bandwidth_limit":0}',
      );
    }
  }
  if (replicationParameters !== undefined) fields.replicationParameters = replicationParameters;
  const netMode = params.int("NetMode", { min: 0, max: 2 });
  if (netMode === 1) throw invalidParameter("NetMode", "1", "0 (public network) or 2 (VPC)");
  if (netMode !== undefined) fields.netMode = netMode;

  const frequency = params.int("Frequency", { min: 1, max: 168 });
  if (frequency !== undefined) fields.frequency = frequency;
  const keep = params.int("MaxNumberOfImageToKeep", { min: 1, max: 10 });
  if (keep !== undefined) fields.maxNumberOfImageToKeep = keep;

  const strings = [
    ["InstanceId", "instanceId"],
    ["VpcId", "vpcId"],
    ["VSwitchId", "vSwitchId"],
    ["InstanceType", "instanceType"],
    ["InstanceRamRole", "instanceRamRole"],
    ["ContainerNamespace", "containerNamespace"],
    ["ContainerRepository", "containerRepository"],
    ["ContainerTag", "containerTag"],
  ] as const;
  for (const [param, key] of strings) {
    const value = params.string(param, { maxLength: 256 });
    if (value !== undefined) fields[key] = value;
  }
  return fields;
}

function hasPrefix(params: ParamReader, prefix: string): boolean {
  return params.keys().some((key) => key.startsWith(prefix));
}
