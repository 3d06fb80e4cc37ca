/** Store records in the service's response shape: PascalCase, wrapped lists, times as strings. */
import type { EmulatorStore } from "./emulatorStore.ts";
import type { JobPart, JobRecord, SourcePart, SourceRecord } from "./records.ts";
import { type WireObject, wireTime } from "./responseRenderer.ts";

function sourcePart(part: SourcePart): WireObject {
  return {
    Path: part.path,
    Device: part.device,
    SizeBytes: part.sizeBytes,
    CanBlock: part.canBlock,
    Need: part.need,
  };
}

function jobPart(part: JobPart): WireObject {
  return { Device: part.device, SizeBytes: part.sizeBytes, Block: part.block };
}

export function sourceToWire(store: EmulatorStore, source: SourceRecord): WireObject {
  return {
    SourceId: source.sourceId,
    Name: source.name,
    Description: source.description,
    State: store.sourceState(source),
    ErrorCode: source.errorCode,
    StatusInfo: source.statusInfo,
    AgentVersion: source.agentVersion,
    Architecture: source.architecture,
    Platform: source.platform,
    KernelLevel: source.kernelLevel,
    ReplicationDriver: source.replicationDriver,
    HeartbeatRate: source.heartbeatRate,
    CreationTime: wireTime(source.creationTime),
    JobId: source.jobId,
    SystemDiskSize: source.systemDiskSize,
    SystemDiskParts: { SystemDiskPart: source.systemDiskParts.map(sourcePart) },
    DataDisks: {
      DataDisk: source.dataDisks.map((disk) => ({
        Index: disk.index,
        Path: disk.path,
        Size: disk.size,
        Parts: { Part: disk.parts.map(sourcePart) },
      })),
    },
    SystemInfo: source.systemInfo,
  };
}

export function jobToWire(job: JobRecord): WireObject {
  return {
    JobId: job.jobId,
    Name: job.name,
    Description: job.description,
    SourceId: job.sourceId,
    RegionId: job.regionId,
    TargetType: job.targetType,
    Status: job.status,
    BusinessStatus: job.businessStatus,
    ImageName: job.imageName,
    ImageId: job.imageId,
    InstanceId: job.instanceId,
    SystemDiskSize: job.systemDiskSize,
    SystemDiskParts: { SystemDiskPart: job.systemDiskParts.map(jobPart) },
    DataDisks: {
      DataDisk: job.dataDisks.map((disk) => ({
        Index: disk.index,
        Size: disk.size,
        Parts: { Part: disk.parts.map(jobPart) },
      })),
    },
    NetMode: job.netMode,
    VpcId: job.vpcId,
    VSwitchId: job.vSwitchId,
    TransitionInstanceId: job.transitionInstanceId,
    InstanceType: job.instanceType,
    InstanceRamRole: job.instanceRamRole,
    ReplicationParameters: job.replicationParameters,
    RunOnce: job.runOnce,
    Frequency: job.frequency,
    MaxNumberOfImageToKeep: job.maxNumberOfImageToKeep,
    ScheduledStartTime: wireTime(job.scheduledStartTime),
    ValidTime: wireTime(job.validTime),
    CreationTime: wireTime(job.creationTime),
    StartTime: wireTime(job.startTime),
    EndTime: wireTime(job.endTime),
    Progress: job.progress,
    ErrorCode: job.errorCode,
    StatusInfo: job.statusInfo,
    ContainerNamespace: job.containerNamespace,
    ContainerRepository: job.containerRepository,
    ContainerTag: job.containerTag,
    LaunchTemplateId: "",
    LaunchTemplateVersion: "",
    ReplicationJobRuns: {
      ReplicationJobRun: job.runs.map((run) => ({
        StartTime: wireTime(run.startTime),
        EndTime: wireTime(run.endTime),
        ImageId: run.imageId,
        Type: run.type,
      })),
    },
  };
}
