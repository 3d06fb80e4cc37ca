/**
 * SMC resources and requests in camelCase, as the rest of smc-waves sees them. The client maps them
 * to and from the service's PascalCase names, `Name.N` list encoding and response wrappers.
 * Field meanings and ranges: ../shared/spec/smc-api.md.
 */

export type SourceServerState = "Unavailable" | "Available" | "InUse" | "Deleting";

export type ReplicationJobStatus =
  | "Ready"
  | "Running"
  | "Stopped"
  | "InError"
  | "Finished"
  | "Waiting"
  | "Expired"
  | "Deleting";

export type BusinessStatus = "Preparing" | "Syncing" | "Processing" | "Cleaning";

export type TargetType = "Image" | "ContainerImage" | "Instance";

/** Statuses that hold the source's one unfinished-job slot (contract rule 2). */
export const UNFINISHED_JOB_STATUSES: ReadonlySet<ReplicationJobStatus> = new Set([
  "Ready",
  "Running",
  "Stopped",
  "Waiting",
  "InError",
  "Expired",
]);

export interface DiskPart {
  path: string;
  device: string;
  sizeBytes: number;
  canBlock: boolean;
  need: boolean;
}

export interface SourceDataDisk {
  index: number;
  path: string;
  /** GiB. */
  size: number;
  parts: DiskPart[];
}

export interface SourceServer {
  sourceId: string;
  name: string;
  description: string;
  state: SourceServerState;
  errorCode: string;
  statusInfo: string;
  agentVersion: string;
  architecture: string;
  platform: string;
  kernelLevel: number;
  replicationDriver: string;
  /** Seconds. */
  heartbeatRate: number;
  creationTime: string;
  /** The latest replication job of this source, if any. */
  jobId: string;
  /** GiB. */
  systemDiskSize: number;
  systemDiskParts: DiskPart[];
  dataDisks: SourceDataDisk[];
  systemInfo: string;
}

/** One run of a job (`ReplicationJobRuns`): an incremental job has one per sync, each with an image. */
export interface JobRun {
  startTime: string;
  endTime: string;
  /**
   * The image this run produced. The entry stays after the job pruned the image to keep
   * `maxNumberOfImageToKeep`, so an older run's image may no longer exist.
   */
  imageId: string;
  /** `Schedule` when SMC started the run (ScheduledStartTime, incremental re-runs). */
  type: "Manual" | "Schedule";
}

export interface JobPartSpec {
  device: string;
  sizeBytes: number;
  block: boolean;
}

export interface JobDataDisk {
  index: number;
  /** GiB, 20–32768. */
  size: number;
  parts?: JobPartSpec[];
}

export interface ReplicationJob {
  jobId: string;
  name: string;
  description: string;
  sourceId: string;
  regionId: string;
  targetType: TargetType;
  status: ReplicationJobStatus;
  /** Only meaningful while `status` is Running; empty otherwise. */
  businessStatus: BusinessStatus | "";
  imageName: string;
  /** The newest image the job produced ("" before its first run ends). */
  imageId: string;
  instanceId: string;
  systemDiskSize: number;
  dataDisks: JobDataDisk[];
  /** The intermediate instance SMC migrates through; "" once released (after a cut-over). */
  transitionInstanceId: string;
  netMode: number;
  vpcId: string;
  vSwitchId: string;
  replicationParameters: string;
  /** false: an incremental job, re-run every `frequency` hours until cut over. */
  runOnce: boolean;
  /** Hours between the end of one incremental run and the start of the next; 0 when not set. */
  frequency: number;
  /** Images an incremental job keeps; older ones are deleted. 0 when not set. */
  maxNumberOfImageToKeep: number;
  scheduledStartTime: string;
  /** When the job turns Expired if still unfinished ("" for never). */
  validTime: string;
  creationTime: string;
  startTime: string;
  endTime: string;
  /** Percent, 0–100. */
  progress: number;
  errorCode: string;
  statusInfo: string;
  replicationJobRuns: JobRun[];
}

export interface Tag {
  key: string;
  value: string;
}

/** CreateReplicationJob's parameters; lists are encoded as `DataDisk.N.*`, `Tag.N.*`. */
export interface CreateReplicationJobRequest {
  regionId: string;
  sourceId: string;
  /** GiB, 20–500. */
  systemDiskSize: number;
  /** Idempotency key, at most 64 ASCII characters: the same token returns the same job. */
  clientToken?: string;
  name?: string;
  description?: string;
  targetType?: TargetType;
  scheduledStartTime?: string;
  validTime?: string;
  imageName?: string;
  instanceId?: string;
  systemDiskParts?: JobPartSpec[];
  dataDisks?: JobDataDisk[];
  tags?: Tag[];
  vpcId?: string;
  vSwitchId?: string;
  /** A JSON string of at most 2048 characters. */
  replicationParameters?: string;
  netMode?: 0 | 2;
  runOnce?: boolean;
  frequency?: number;
  maxNumberOfImageToKeep?: number;
  instanceType?: string;
  instanceRamRole?: string;
  containerNamespace?: string;
  containerRepository?: string;
  containerTag?: string;
}

export interface Page<T> {
  items: T[];
  totalCount: number;
  pageNumber: number;
  pageSize: number;
  requestId: string;
}
