/**
 * A job record for the pure state machine's unit tests (jobLifecycle.test.ts, jobCutOver.test.ts):
 * a Ready 100 GiB image job created at T0, with a fixed seed and no job errors.
 */
import type { SimulationSettings } from "./jobLifecycle.ts";
import type { JobRecord } from "./records.ts";

export const GIB = 1024 ** 3;
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2024, 0, 1);
export const settings: SimulationSettings = {
  seed: 1,
  bandwidthBytesPerSecond: 25 * 1024 * 1024,
  jobErrorRate: 0,
};

export function job(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    jobId: "j-aaaaaaaaaaaaaaaaaaaa",
    sourceId: "s-aaaaaaaaaaaaaaaaaaaa",
    regionId: "cn-hangzhou",
    name: "job",
    description: "",
    targetType: "Image",
    imageName: "",
    instanceId: "",
    systemDiskSize: 100,
    systemDiskParts: [],
    dataDisks: [],
    netMode: 0,
    vpcId: "",
    vSwitchId: "",
    replicationParameters: "",
    runOnce: true,
    frequency: 0,
    maxNumberOfImageToKeep: 0,
    instanceType: "",
    instanceRamRole: "",
    containerNamespace: "",
    containerRepository: "",
    containerTag: "",
    scheduledStartTime: null,
    validTime: T0 + 30 * DAY,
    creationTime: T0,
    clientToken: "",
    status: "Ready",
    businessStatus: "",
    progress: 0,
    errorCode: "",
    statusInfo: "",
    imageId: "",
    transitionInstanceId: "",
    startTime: null,
    endTime: null,
    runs: [],
    bytes: 100 * GIB,
    run: null,
    nextRunAt: null,
    cutOverAt: null,
    expiredAt: null,
    runningMs: 0,
    segments: 0,
    firstStartedAt: null,
    finishedAt: null,
    deletedAt: null,
    ...overrides,
  };
}
