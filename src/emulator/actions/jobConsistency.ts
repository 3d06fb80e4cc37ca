/**
 * The rules between a job's fields and its source, one set for CreateReplicationJob and
 * ModifyReplicationJobAttribute: partitions fit their disks, data disk indexes exist on the source,
 * VPC mode names a vSwitch of the VpcId, an Instance target names its instance. Both actions judge
 * the job as it would be after the request, with the reference's defaults applied: partitions the
 * request leaves out are the source's own (`SizeBytes` "defaults to the source partition's size").
 * Create checks every rule; Modify only the rules that involve a field it changes, so renaming a
 * job never fails on settings nobody touched.
 */
import { ApiError, invalidParameter, missingActionParameter } from "../errorCatalogue.ts";
import type { JobDisk, JobPart, JobRecord, SourcePart, SourceRecord } from "../records.ts";
import type { JobFields } from "./jobFields.ts";

const GIB = 1024 ** 3;
/** The contract's SystemDiskSize range (GiB). */
const SYSTEM_DISK_MAX_GIB = 500;
const SYSTEM_DISK_MIN_GIB = 20;

/** What the rules read: a job's settings after the request's changes. */
type JudgedJob = Pick<
  JobRecord,
  | "systemDiskSize"
  | "systemDiskParts"
  | "dataDisks"
  | "netMode"
  | "vpcId"
  | "vSwitchId"
  | "targetType"
  | "instanceId"
>;

/** A source's partitions as a job's: the default when the request names none. */
export function partsOf(parts: readonly SourcePart[]): JobPart[] {
  return parts.map((part) => ({
    device: part.device,
    sizeBytes: part.sizeBytes,
    block: part.canBlock,
  }));
}

/** Data disks with the source disk's partitions where the request gave none. */
export function withDefaultParts(disks: readonly JobDisk[], source: SourceRecord): JobDisk[] {
  const onSource = new Map(source.dataDisks.map((disk) => [disk.index, disk]));
  return disks.map((disk) => {
    const sourceDisk = onSource.get(disk.index);
    return disk.parts.length > 0 || sourceDisk === undefined
      ? disk
      : { ...disk, parts: partsOf(sourceDisk.parts) };
  });
}

const totalBytes = (parts: readonly JobPart[]) =>
  parts.reduce((sum, part) => sum + part.sizeBytes, 0);

const sameParts = (a: readonly JobPart[], b: readonly JobPart[]) =>
  a.length === b.length &&
  a.every((part, i) => part.device === b[i]?.device && part.sizeBytes === b[i]?.sizeBytes);

/** The smallest whole GiB that holds `bytes`. */
const minimumGiB = (bytes: number) => Math.ceil(bytes / GIB);

function systemPartitionsFit(job: JudgedJob, source: SourceRecord): void {
  const bytes = totalBytes(job.systemDiskParts);
  if (bytes <= job.systemDiskSize * GIB) return;
  const needed = Math.max(SYSTEM_DISK_MIN_GIB, minimumGiB(bytes));
  const fromSource = sameParts(job.systemDiskParts, partsOf(source.systemDiskParts));
  const origin = fromSource
    ? `the partitions of source ${source.sourceId}'s system disk (the default when no SystemDiskPart.N is given) add up to ${bytes} bytes`
    : `the SystemDiskPart.N sizes add up to ${bytes} bytes`;
  const expected =
    needed > SYSTEM_DISK_MAX_GIB
      ? `a disk that holds its partitions, but ${origin}, more than the largest SystemDiskSize (${SYSTEM_DISK_MAX_GIB} GiB): give smaller SystemDiskPart.N`
      : `at least ${needed} GiB: ${origin}`;
  throw invalidParameter("SystemDiskSize", String(job.systemDiskSize), expected);
}

function dataDiskIndexesExist(job: JudgedJob, source: SourceRecord): void {
  const onSource = new Set(source.dataDisks.map((disk) => disk.index));
  const missing = job.dataDisks.find((disk) => !onSource.has(disk.index));
  if (missing === undefined) return;
  const have = [...onSource].sort((a, b) => a - b).join(", ") || "none";
  throw new ApiError(
    "ReplicationJobDataDiskIndex.Invalid",
    `The specified replication job contains data disk index not found in source server: index ${missing.index} (source ${source.sourceId} has: ${have}).`,
  );
}

function dataPartitionsFit(job: JudgedJob, source: SourceRecord): void {
  job.dataDisks.forEach((disk, i) => {
    const bytes = totalBytes(disk.parts);
    if (bytes <= disk.size * GIB) return;
    const sourceDisk = source.dataDisks.find((candidate) => candidate.index === disk.index);
    const fromSource = sourceDisk !== undefined && sameParts(disk.parts, partsOf(sourceDisk.parts));
    const origin = fromSource
      ? `the partitions of data disk ${disk.index} of source ${source.sourceId} (the default when no DataDisk.${i + 1}.Part.N is given) add up to ${bytes} bytes`
      : `the DataDisk.${i + 1}.Part.N sizes add up to ${bytes} bytes`;
    throw invalidParameter(
      `DataDisk.${i + 1}.Size`,
      String(disk.size),
      `at least ${minimumGiB(bytes)} GiB: ${origin}`,
    );
  });
}

function networkMatches(job: JudgedJob): void {
  if (job.netMode === 2 && !job.vSwitchId) throw missingActionParameter("VSwitchId");
  // [model] a vSwitch belongs to the VPC whose id suffix it contains (vsw-abc1 is in vpc-abc).
  if (job.vpcId && job.vSwitchId && !job.vSwitchId.slice(4).includes(job.vpcId.slice(4))) {
    throw new ApiError("VSwitchIdVpcId.Mismatch");
  }
}

function instanceNamed(job: JudgedJob): void {
  if (job.targetType === "Instance" && !job.instanceId) throw missingActionParameter("InstanceId");
}

interface ConsistencyRule {
  /** The fields the rule reads: Modify checks it when the request changes one of them. */
  fields: ReadonlyArray<keyof JobFields>;
  check(job: JudgedJob, source: SourceRecord): void;
}

/** In the order the service reports them (index errors before sizes). */
const RULES: readonly ConsistencyRule[] = [
  { fields: ["dataDisks"], check: dataDiskIndexesExist },
  { fields: ["systemDiskSize", "systemDiskParts"], check: systemPartitionsFit },
  { fields: ["dataDisks"], check: dataPartitionsFit },
  { fields: ["netMode", "vSwitchId", "vpcId"], check: networkMatches },
  { fields: ["targetType", "instanceId"], check: instanceNamed },
];

/**
 * Throws the first rule `job` breaks. `changed` (Modify) limits the check to the rules that read
 * one of those fields; without it (Create) every rule applies.
 */
export function checkJobConsistency(
  job: JudgedJob,
  source: SourceRecord,
  changed?: ReadonlySet<keyof JobFields>,
): void {
  for (const rule of RULES) {
    if (changed === undefined || rule.fields.some((field) => changed.has(field))) {
      rule.check(job, source);
    }
  }
}
