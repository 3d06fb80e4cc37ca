import { z } from "zod";
import {
  duration,
  flag,
  oneOf,
  smcName,
  TAG_KEY_PATTERN,
  TAG_KEY_PHRASE,
  TAG_VALUE_PATTERN,
  TAG_VALUE_PHRASE,
  text,
  timestamp,
  wholeNumber,
} from "./schemaParts.ts";

/*
 * The plan's shape: one zod schema is both the validator's first stage and, through
 * `z.toJSONSchema`, what `smc-waves schema` prints for editors. Ranges come from the
 * CreateReplicationJob contract (../shared/spec/smc-api.md §3). Rules that span several keys
 * (netMode 2 needs vSwitchId, duplicates, windows) live in `planRules.ts`/`serverRules.ts`.
 */

const partSchema = z
  .strictObject(
    {
      device: text("a partition device id such as `0_1`").describe(
        "Partition device id as the source reports it, e.g. `0_1`.",
      ),
      sizeBytes: wholeNumber(1).describe("Target partition size in bytes."),
      block: flag().describe("Block replication for this partition. @default true").optional(),
    },
    { error: "a mapping with `device`, `sizeBytes` and optionally `block`" },
  )
  .describe("One partition of a target disk.");

const partsSchema = z.array(partSchema, { error: "a list of partitions" });

const dataDiskSchema = z
  .strictObject(
    {
      index: wholeNumber(1, 16).describe("Which data disk of the source (1–16)."),
      size: wholeNumber(20, 32768).describe("Target data disk size in GiB (20–32768)."),
      parts: partsSchema.describe("Partitions of this disk; default: as on the source.").optional(),
    },
    { error: "a mapping with `index`, `size` and optionally `parts`" },
  )
  .describe("A data disk of the target.");

const replicationParametersSchema = z
  .strictObject(
    {
      bandwidth_limit: wholeNumber(0)
        .describe("Transfer bandwidth limit in Mbit/s; 0 means unlimited.")
        .optional(),
      compress_level: wholeNumber(0, 10).describe("Transfer compression level, 0–10.").optional(),
      checksum: flag().describe("Verify transferred data with checksums.").optional(),
    },
    { error: "a mapping of `bandwidth_limit`, `compress_level`, `checksum`" },
  )
  .describe("Replication driver (SMT) parameters; sent as the ReplicationParameters JSON string.");

/** Job settings: every key maps one-to-one onto a CreateReplicationJob parameter. */
const jobSettingsShape = {
  targetType: oneOf(["Image", "ContainerImage", "Instance"])
    .describe("What the migration delivers. `Instance` needs `instanceId`. @default Image")
    .optional(),
  systemDiskSize: wholeNumber(20, 500)
    .describe("Target system disk size in GiB (20–500). Required for every server.")
    .optional(),
  systemDiskParts: partsSchema.describe("Partitions of the system disk.").optional(),
  dataDisks: z
    .array(dataDiskSchema, { error: "a list of data disks" })
    .max(16, { error: "a list of at most 16 data disks" })
    .describe("Target data disks; replaces, not merges with, inherited `dataDisks`.")
    .optional(),
  tags: z
    .record(
      z.string().regex(TAG_KEY_PATTERN, { error: TAG_KEY_PHRASE }),
      z.string({ error: TAG_VALUE_PHRASE }).regex(TAG_VALUE_PATTERN, { error: TAG_VALUE_PHRASE }),
      { error: "a mapping of tag keys to string values" },
    )
    .describe("Job tags, merged key by key with inherited tags; at most 20 in total.")
    .optional(),
  vpcId: text("a VPC id such as `vpc-bp1vwnn14rqpyiczj0000`", /^vpc-[a-z0-9]{4,64}$/)
    .describe("VPC with Express Connect or VPN to the source network.")
    .optional(),
  vSwitchId: text("a vSwitch id such as `vsw-bp1ddbrxdlrcbim460000`", /^vsw-[a-z0-9]{4,64}$/)
    .describe("vSwitch for VPC transfer; required when `netMode` is 2.")
    .optional(),
  netMode: z
    .union([z.literal(0), z.literal(2)], { error: "`0` (public network) or `2` (VPC)" })
    .describe("Transfer network: 0 public, 2 VPC (needs `vSwitchId`). @default 0")
    .optional(),
  replicationParameters: replicationParametersSchema.optional(),
  runOnce: flag()
    .describe("`false` makes an incremental job (needs `frequency`, `maxNumberOfImageToKeep`).")
    .optional(),
  frequency: wholeNumber(1, 168)
    .describe("Hours between runs of an incremental job (1–168).")
    .optional(),
  maxNumberOfImageToKeep: wholeNumber(1, 10)
    .describe("Images an incremental job keeps (1–10).")
    .optional(),
  validTime: duration("How long a job stays valid after creation, 7d–90d. @default 30d").optional(),
  scheduledStartTime: timestamp(
    "SMC starts the job by itself at this time (future, at most 30 days ahead).",
  ).optional(),
  imageName: smcName("Name of the image produced; SMC suffixes the JobId on a clash.").optional(),
  description: smcName("Job description (same character rules as names).").optional(),
  instanceId: text("an ECS instance id such as `i-bp1f1dvfto1sigz50000`", /^i-[a-z0-9]{4,64}$/)
    .describe("Target instance for `targetType: Instance`.")
    .optional(),
  instanceType: text("an ECS instance type such as `ecs.c6.large`", /^ecs\.[a-z0-9-]+\.[a-z0-9]+$/)
    .describe("Instance type of the transition instance.")
    .optional(),
  instanceRamRole: text("a RAM role name")
    .describe("RAM role of the transition instance.")
    .optional(),
  containerNamespace: text("a namespace").describe("Docker namespace (ContainerImage).").optional(),
  containerRepository: text("a repository")
    .describe("Docker repository (ContainerImage).")
    .optional(),
  containerTag: text("an image tag").describe("Docker image tag (ContainerImage).").optional(),
};

export type JobSettingKey = keyof typeof jobSettingsShape;
export const JOB_SETTING_KEYS = Object.keys(jobSettingsShape) as JobSettingKey[];

const settingsSchema = z.strictObject(jobSettingsShape, {
  error: "a mapping of job settings (`systemDiskSize`, `netMode`, `tags`, …)",
});

const serverSchema = z
  .strictObject(
    {
      sourceId: text("a source id such as `s-bp1e2fsl57knvuug0000`", /^s-[A-Za-z0-9]{4,64}$/)
        .describe("SMC SourceId. Give exactly one of `sourceId` and `name`.")
        .optional(),
      name: smcName(
        "Source server name, resolved to a SourceId through DescribeSourceServers.",
      ).optional(),
      ...jobSettingsShape,
    },
    { error: "a mapping such as `name: web-01` or `sourceId: s-…`, with any job settings" },
  )
  .describe("One source server and its job settings (override the wave's and the plan's).");

const windowSchema = z
  .strictObject(
    {
      cron: text("a 5-field cron expression such as `0 22 * * 1-5`").describe(
        "When the window opens: 5-field cron (minute hour day-of-month month day-of-week).",
      ),
      duration: duration("How long the window stays open after each opening."),
      timezone: text("an IANA time zone such as `Asia/Shanghai`")
        .describe("IANA time zone the cron is read in. @default UTC")
        .optional(),
    },
    { error: "a mapping with `cron`, `duration` and optionally `timezone`" },
  )
  .describe("New jobs of the wave start only while the window is open.");

const CUTOVER_PHRASE =
  "`immediate`, `manual`, or a mapping such as `{ window: { cron, duration, timezone } }` (with optional `mode`, `syncData`, `onTimeout`)";

const cutoverSchema = z
  .union(
    [
      z.enum(["immediate", "manual"], { error: CUTOVER_PHRASE }),
      z.strictObject(
        {
          mode: oneOf(["immediate", "manual", "window"])
            .describe(
              "When servers in sync are cut over: at once, on `smc-waves cutover`, or in `window`. @default window when `window` is given, else manual",
            )
            .optional(),
          window: windowSchema
            .describe("Cut-overs start only while this window is open.")
            .optional(),
          syncData: flag()
            .describe(
              "Run one last sync (a new image) before the job finishes (CutOverReplicationJob SyncData). @default true",
            )
            .optional(),
          onTimeout: oneOf(["wait", "fail"])
            .describe(
              "A server whose cut-over could not start before the window closed (its job was mid-sync): wait for the next opening, or fail. @default wait",
            )
            .optional(),
        },
        { error: CUTOVER_PHRASE },
      ),
    ],
    { error: CUTOVER_PHRASE },
  )
  .describe(
    "How the wave's incremental servers (`runOnce: false`), once in sync, are cut over: `immediate`, `manual` (the default) or in a window.",
  );

const waveSchema = z
  .strictObject(
    {
      name: smcName("Wave name, unique in the plan."),
      gate: oneOf(["manual"])
        .describe(
          "`manual`: the wave waits before it starts until someone runs `smc-waves approve`.",
        )
        .optional(),
      window: windowSchema.optional(),
      cutover: cutoverSchema.optional(),
      notBefore: timestamp("The wave does not start before this time.").optional(),
      order: oneOf(["largestFirst", "packed", "asListed"])
        .describe(
          "Start order: largest sources first (keeps the tail short), packed (plans which jobs share a slot so every slot ends together; best on waves with many more servers than maxJobs) or as listed. @default largestFirst",
        )
        .optional(),
      defaults: settingsSchema.describe("Job settings for this wave's servers.").optional(),
      servers: z
        .array(serverSchema, { error: "a non-empty list of servers" })
        .min(1, { error: "a non-empty list of servers" })
        .describe("Servers of this wave."),
    },
    { error: "a mapping with `name` and `servers`" },
  )
  .describe("Waves run one after another; a wave starts when the previous one is done.");

const policySchema = z
  .strictObject(
    {
      maxJobs: wholeNumber(1)
        .describe("Replication jobs this plan may hold at once (≤ the account quota). @default 100")
        .optional(),
      pollInterval: duration("How often job status is polled, 1s–1h. @default 30s").optional(),
      jobRestarts: wholeNumber(0, 100)
        .describe("Restarts of a job in InError with a transient ErrorCode. @default 3")
        .optional(),
      onFinish: oneOf(["delete", "keep"])
        .describe(
          "Delete the finished SMC job (frees quota; the image stays) or keep it. @default delete",
        )
        .optional(),
      onWaveFailure: oneOf(["halt", "continue"])
        .describe("What a wave's failure does to the next waves. @default halt")
        .optional(),
      maxFailedServers: wholeNumber(0)
        .describe("Failed servers a wave tolerates before `onWaveFailure` applies. @default 0")
        .optional(),
    },
    { error: "a mapping of policy settings (`maxJobs`, `pollInterval`, …)" },
  )
  .describe("How the plan runs.");

/** Plan names become ids in BullMQ and in SMC job names (`sw-<plan>-<n>`), so they stay plain. */
const PLAN_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{1,63}$/;
const PLAN_NAME_PHRASE = "2–64 characters: a letter first, then letters, digits, `_` or `-`";

export const planSchema = z
  .strictObject(
    {
      name: text(PLAN_NAME_PHRASE, PLAN_NAME_PATTERN).describe(
        "Unique plan name; it becomes the plan's id in queues and SMC job names.",
      ),
      regionId: text("a region id such as `cn-hangzhou`", /^[a-z]{2,}-[a-z0-9-]+$/).describe(
        "Target region of every job.",
      ),
      account: text("an account name")
        .describe("Configured SMC account that runs the plan. @default default")
        .optional(),
      defaults: settingsSchema.describe("Job settings for every server of the plan.").optional(),
      policy: policySchema.optional(),
      waves: z
        .array(waveSchema, { error: "a non-empty list of waves" })
        .min(1, { error: "a non-empty list of waves" })
        .describe("Waves in the order they run."),
    },
    { error: "a mapping with `name`, `regionId` and `waves`" },
  )
  .describe("An smc-waves migration plan.");

export type RawPlan = z.infer<typeof planSchema>;
export type RawWave = RawPlan["waves"][number];
export type RawServer = RawWave["servers"][number];
export type RawCutover = NonNullable<RawWave["cutover"]>;
export type RawSettings = NonNullable<RawPlan["defaults"]>;

/** The plan's JSON Schema (draft 2020-12) for editors: the same schema the validator runs. */
export function planJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(planSchema, { unrepresentable: "any" }),
    title: "smc-waves plan",
  };
}
