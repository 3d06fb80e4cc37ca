/**
 * What the emulator's store holds. Times are milliseconds on the emulated clock; they become
 * `yyyy-MM-ddTHH:mm:ssZ` strings only when rendered. These are the emulator's own records, not the
 * client's view (`src/smc/types.ts`), because they also carry the simulation's bookkeeping.
 */
import type {
  BusinessStatus,
  ReplicationJobStatus,
  SourceServerState,
  TargetType,
} from "../smc/types.ts";

export interface SourcePart {
  path: string;
  device: string;
  sizeBytes: number;
  canBlock: boolean;
  need: boolean;
}

export interface SourceDisk {
  index: number;
  path: string;
  /** GiB. */
  size: number;
  parts: SourcePart[];
}

export interface SourceRecord {
  sourceId: string;
  name: string;
  description: string;
  /**
   * The state an operator (or the scenario) set. `InUse` is never stored: it is derived on read
   * while one of the source's jobs is Running, so it can never go stale.
   */
  baseState: Exclude<SourceServerState, "InUse">;
  errorCode: string;
  statusInfo: string;
  agentVersion: string;
  architecture: string;
  platform: string;
  kernelLevel: number;
  replicationDriver: string;
  /** Seconds. */
  heartbeatRate: number;
  creationTime: number;
  /** The latest job created for this source ("" when none). */
  jobId: string;
  /** GiB. */
  systemDiskSize: number;
  systemDiskParts: SourcePart[];
  dataDisks: SourceDisk[];
  systemInfo: string;
}

export interface JobPart {
  device: string;
  sizeBytes: number;
  block: boolean;
}

export interface JobDisk {
  index: number;
  /** GiB. */
  size: number;
  parts: JobPart[];
}

interface RunRecord {
  startTime: number;
  endTime: number;
  /** The image this run produced; the run keeps it even after the image is pruned. */
  imageId: string;
  type: "Manual" | "Schedule";
  /**
   * When SMC deleted the image to keep at most MaxNumberOfImageToKeep ([model] oldest first);
   * null while the image exists.
   */
  imageDeletedAt: number | null;
}

/** Durations (ms of emulated time) of one run's phases, in the order they happen. */
export interface RunPhases {
  preparing: number;
  syncing: number;
  processing: number;
  cleaning: number;
}

/** The run in progress: exists from a run's start until it finishes (Running, Stopped, InError). */
export interface ActiveRun {
  type: "Manual" | "Schedule";
  startedAt: number;
  phases: RunPhases;
  /** Sum of the phases: the emulated time this run needs while Running. */
  workMs: number;
  /** Work done before the current segment (a segment is one uninterrupted stretch of Running). */
  doneMs: number;
  /** When the current segment began; null while Stopped or InError. */
  segmentStartedAt: number | null;
  /** Work position at which the current segment drops to InError; null when it will not fail. */
  failAtMs: number | null;
  /** The image this run produces, drawn when the run begins. */
  imageId: string;
}

export interface JobRecord {
  jobId: string;
  sourceId: string;
  regionId: string;
  name: string;
  description: string;
  targetType: TargetType;
  imageName: string;
  instanceId: string;
  systemDiskSize: number;
  systemDiskParts: JobPart[];
  dataDisks: JobDisk[];
  netMode: number;
  vpcId: string;
  vSwitchId: string;
  replicationParameters: string;
  runOnce: boolean;
  /** Hours between incremental runs; 0 when not set. */
  frequency: number;
  maxNumberOfImageToKeep: number;
  instanceType: string;
  instanceRamRole: string;
  containerNamespace: string;
  containerRepository: string;
  containerTag: string;
  scheduledStartTime: number | null;
  /** null: valid forever (the caller passed an empty ValidTime). */
  validTime: number | null;
  creationTime: number;
  clientToken: string;
  status: Exclude<ReplicationJobStatus, "Deleting">;
  businessStatus: BusinessStatus | "";
  /** Percent, two decimals. */
  progress: number;
  errorCode: string;
  statusInfo: string;
  imageId: string;
  transitionInstanceId: string;
  /** Start of the latest run; null before the first. */
  startTime: number | null;
  /** End of the latest finished run; null before the first. */
  endTime: number | null;
  runs: RunRecord[];
  /** Bytes a full run copies: the source's partitions of the system disk and the chosen data disks. */
  bytes: number;
  run: ActiveRun | null;
  /** Waiting: when the next incremental run begins. */
  nextRunAt: number | null;
  /**
   * When CutOverReplicationJob was accepted; null before. A job cut over with SyncData=true is
   * Running its last run and finishes when that run ends.
   */
  cutOverAt: number | null;
  expiredAt: number | null;
  /** Running time of all closed segments (ms, emulated). */
  runningMs: number;
  /** Segments begun so far; keys the seeded draws of each segment. */
  segments: number;
  firstStartedAt: number | null;
  finishedAt: number | null;
  /** Set when the job was deleted (by a call, a forced source delete, or 7 days after expiry). */
  deletedAt: number | null;
}
