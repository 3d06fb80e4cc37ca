/**
 * CreateReplicationJob with rules 1–3 and 11: only for an Available source, one unfinished job per
 * source, the job quota, ClientToken idempotency and unique names. Checks run in this order:
 * parameter format → ClientToken replay → source and consistency → name → source state → one job
 * per source → quota. A replayed token answers the first call's JobId whatever has happened since.
 */
import { UNFINISHED_JOB_STATUSES } from "../../smc/types.ts";
import { ApiError, invalidParameter, missingActionParameter } from "../errorCatalogue.ts";
import type { JobRecord } from "../records.ts";
import { bytesToCopy } from "../sourceCatalogue.ts";
import type { ActionHandler } from "./actionContext.ts";
import { attachTags, tagsToAttach } from "./fieldRules.ts";
import { checkJobConsistency, partsOf, withDefaultParts } from "./jobConsistency.ts";
import { readJobFields } from "./jobFields.ts";
import { findSource } from "./resourceLookup.ts";

const DAY = 86_400_000;

export const createReplicationJob: ActionHandler = ({ store, params, now }) => {
  const regionId = params.required("RegionId", { maxLength: 64 });
  const sourceId = params.required("SourceId");
  params.required("SystemDiskSize");
  const clientToken = params.string("ClientToken") ?? "";
  if (clientToken.length > 64 || !/^[\x20-\x7e]*$/.test(clientToken)) {
    throw invalidParameter("ClientToken", clientToken, "at most 64 printable ASCII characters");
  }
  const fields = readJobFields(params, now, now);
  const systemDiskSize = fields.systemDiskSize ?? 0;
  const runOnce = params.bool("RunOnce") ?? true;
  if (!runOnce && fields.frequency === undefined) throw missingActionParameter("Frequency");
  if (!runOnce && fields.maxNumberOfImageToKeep === undefined)
    throw missingActionParameter("MaxNumberOfImageToKeep");
  const tags = tagsToAttach(params);

  const replayed = clientToken === "" ? undefined : store.tokens.get(clientToken);
  if (replayed !== undefined) {
    store.stats.count("idempotentReplays");
    return { JobId: replayed };
  }

  const source = findSource(store, sourceId);
  // Judged as it will be stored: the source's own partitions where the request names none.
  const systemDiskParts = fields.systemDiskParts ?? partsOf(source.systemDiskParts);
  const dataDisks = withDefaultParts(fields.dataDisks ?? [], source);
  checkJobConsistency(
    {
      systemDiskSize,
      systemDiskParts,
      dataDisks,
      netMode: fields.netMode ?? 0,
      vpcId: fields.vpcId ?? "",
      vSwitchId: fields.vSwitchId ?? "",
      targetType: fields.targetType ?? "Image",
      instanceId: fields.instanceId ?? "",
    },
    source,
  );
  const jobs = [...store.jobs()];
  if (fields.name && jobs.some((job) => job.name === fields.name))
    throw new ApiError("ReplicationJobName.Duplicate");
  if (store.sourceState(source) !== "Available") throw new ApiError("SourceServerState.Invalid");
  // [model] rule 2 has no code of its own in the reference; the source's state is what is invalid.
  if (jobs.some((job) => job.sourceId === sourceId && UNFINISHED_JOB_STATUSES.has(job.status))) {
    throw new ApiError("SourceServerState.Invalid");
  }
  if (store.jobCount >= store.settings.quota) {
    store.stats.count("quotaRejections");
    throw new ApiError("QuotaExceeded.ReplicationJob");
  }

  const jobId = store.newId("j");
  const imageName = fields.imageName ?? "";
  const clash =
    imageName !== "" &&
    jobs.some((job) => job.regionId === regionId && job.imageName === imageName);
  const job: JobRecord = {
    jobId,
    sourceId,
    regionId,
    name: fields.name ?? "",
    description: fields.description ?? "",
    targetType: fields.targetType ?? "Image",
    // The service suffixes the JobId when the region already has an image of that name.
    imageName: clash ? `${imageName}_${jobId}` : imageName,
    instanceId: fields.instanceId ?? "",
    systemDiskSize,
    systemDiskParts,
    dataDisks,
    netMode: fields.netMode ?? 0,
    vpcId: fields.vpcId ?? "",
    vSwitchId: fields.vSwitchId ?? "",
    replicationParameters: fields.replicationParameters ?? "",
    runOnce,
    frequency: fields.frequency ?? 0,
    maxNumberOfImageToKeep: fields.maxNumberOfImageToKeep ?? 0,
    instanceType: fields.instanceType ?? "",
    instanceRamRole: fields.instanceRamRole ?? "",
    containerNamespace: fields.containerNamespace ?? "",
    containerRepository: fields.containerRepository ?? "",
    containerTag: fields.containerTag ?? "",
    scheduledStartTime: fields.scheduledStartTime ?? null,
    validTime: fields.validTime === undefined ? now + 30 * DAY : fields.validTime,
    creationTime: now,
    clientToken,
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
    bytes: bytesToCopy(
      source,
      dataDisks.map((disk) => disk.index),
    ),
    run: null,
    nextRunAt: null,
    cutOverAt: null,
    expiredAt: null,
    runningMs: 0,
    segments: 0,
    firstStartedAt: null,
    finishedAt: null,
    deletedAt: null,
  };
  store.putJob(job);
  attachTags(store, "replicationjob", jobId, tags);
  if (clientToken !== "") store.tokens.set(clientToken, jobId);
  source.jobId = jobId;
  store.stats.count("jobsCreated");
  store.recordJobCounts();
  return { JobId: jobId };
};
