import { formatDuration, parseDuration } from "./duration.ts";
import {
  asList,
  asRecord,
  type EffectiveSetting,
  type SettingsLayer,
} from "./effectiveSettings.ts";
import { type Finding, fieldName, type PlanPath, quoteName, quoteValue } from "./planProblem.ts";

const DAY_MS = 86_400_000;
/** Contract: ValidTime is creation + 7 days … + 90 days. */
const MIN_VALID_MS = 7 * DAY_MS;
const MAX_VALID_MS = 90 * DAY_MS;
/** Contract: ScheduledStartTime is in the future and at most 30 days ahead. */
const MAX_SCHEDULE_AHEAD_MS = 30 * DAY_MS;
/** Contract: Tag.N with N 1–20. */
const MAX_TAGS = 20;
const GIB = 1024 ** 3;

/**
 * Rules on one settings mapping as written (a layer), so each is reported once where it is written,
 * however many servers inherit it.
 */
export function settingsLayerRules(layer: SettingsLayer, now: number): Finding[] {
  const settings = layer.value;
  if (settings === undefined) return [];
  const findings: Finding[] = [];
  const at = (key: string): PlanPath => [...layer.path, key];

  const validMs = parseDuration(settings.validTime);
  if (validMs !== undefined && (validMs < MIN_VALID_MS || validMs > MAX_VALID_MS)) {
    findings.push({
      path: at("validTime"),
      message: `Expected \`validTime\` to be from 7d to 90d after the job is created, got ${quoteValue(settings.validTime)}${typeof settings.validTime === "number" ? ` ms (${formatDuration(validMs)})` : ""}`,
    });
  }

  const scheduled =
    typeof settings.scheduledStartTime === "string"
      ? Date.parse(settings.scheduledStartTime)
      : Number.NaN;
  if (Number.isFinite(scheduled)) {
    const quoted = quoteName(settings.scheduledStartTime);
    if (scheduled <= now) {
      findings.push({
        path: at("scheduledStartTime"),
        message: `\`scheduledStartTime\` ${quoted} is in the past (now is ${isoSeconds(now)}); SMC needs a future time`,
      });
    } else if (scheduled > now + MAX_SCHEDULE_AHEAD_MS) {
      findings.push({
        path: at("scheduledStartTime"),
        message: `\`scheduledStartTime\` ${quoted} is more than 30 days ahead; SMC accepts at most 30 days after creation (until ${isoSeconds(now + MAX_SCHEDULE_AHEAD_MS)} if created now)`,
      });
    }
  }

  const seenIndexes = new Map<number, number>();
  asList(settings.dataDisks).forEach((diskValue, diskIndex) => {
    const disk = asRecord(diskValue);
    const index = disk?.index;
    const diskPath = [...at("dataDisks"), diskIndex];
    if (typeof index === "number") {
      const first = seenIndexes.get(index);
      if (first !== undefined) {
        findings.push({
          path: [...diskPath, "index"],
          message: `Data disk index ${index} is already used by \`dataDisks[${first}]\`; each index may appear once`,
        });
      } else {
        seenIndexes.set(index, diskIndex);
      }
    }
    if (typeof disk?.size === "number") {
      findings.push(...partsFitDisk([...diskPath, "parts"], disk.parts, disk.size, "data disk"));
    }
  });
  return findings;
}

/** Rules on what one server ends up with after inheritance; reported where the deciding key sits. */
export function effectiveServerRules(
  settings: ReadonlyMap<string, EffectiveSetting>,
  server: { path: PlanPath; label: string; notBefore?: number },
): Finding[] {
  const findings: Finding[] = [];
  const get = (key: string) => settings.get(key);

  const systemDisk = get("systemDiskSize");
  const systemParts = get("systemDiskParts");
  if (typeof systemDisk?.value === "number" && systemParts !== undefined) {
    findings.push(
      ...partsFitDisk(systemParts.path, systemParts.value, systemDisk.value, "system disk"),
    );
  }

  const netMode = get("netMode");
  if (netMode?.value === 2 && get("vSwitchId") === undefined) {
    findings.push({
      path: netMode.path,
      message:
        "`netMode: 2` (VPC transfer) needs a `vSwitchId`: set it beside `netMode` or where the server inherits it",
    });
  }

  const runOnce = get("runOnce");
  for (const key of ["frequency", "maxNumberOfImageToKeep"] as const) {
    const setting = get(key);
    const range = key === "frequency" ? "hours between runs, 1–168" : "1–10";
    if (runOnce?.value === false && setting === undefined) {
      findings.push({
        path: runOnce.path,
        message: `\`runOnce: false\` (incremental job) needs \`${key}\` (${range})`,
      });
    } else if (runOnce?.value !== false && setting !== undefined) {
      findings.push({
        path: setting.path,
        message: `\`${key}\` only applies to incremental jobs: add \`runOnce: false\` or remove it`,
      });
    }
  }

  const tags = get("tags");
  const tagCount = Object.keys(asRecord(tags?.value) ?? {}).length;
  if (tags !== undefined && tagCount > MAX_TAGS) {
    findings.push({
      path: tags.path,
      message: `With inherited tags, \`tags\` gives a job ${tagCount} tags; SMC allows at most ${MAX_TAGS}`,
    });
  }

  const targetType = get("targetType")?.value ?? "Image";
  const instanceId = get("instanceId");
  if (targetType === "Instance" && instanceId === undefined) {
    findings.push({
      path: get("targetType")?.path ?? server.path,
      message: `\`targetType: Instance\` needs \`instanceId\` (the ECS instance to migrate into) for server ${server.label}`,
    });
  } else if (targetType !== "Instance" && instanceId !== undefined) {
    findings.push({
      path: instanceId.path,
      message: `\`instanceId\` only applies to \`targetType: Instance\`, but the target type is ${quoteValue(targetType)}`,
    });
  }

  const scheduled = get("scheduledStartTime");
  const scheduledMs =
    typeof scheduled?.value === "string" ? Date.parse(scheduled.value) : Number.NaN;
  if (
    scheduled !== undefined &&
    server.notBefore !== undefined &&
    scheduledMs <= server.notBefore
  ) {
    findings.push({
      path: scheduled.path,
      message: `\`scheduledStartTime\` ${quoteName(scheduled.value)} is not after the wave's \`notBefore\` (${isoSeconds(server.notBefore)}): the job is created after it, when that time has passed`,
    });
  }
  return findings;
}

/** Partition sizes of one disk must fit in it (contract: sum ≤ disk size). */
function partsFitDisk(
  path: PlanPath,
  partsValue: unknown,
  sizeGib: number,
  what: string,
): Finding[] {
  const total = asList(partsValue).reduce<number>((sum, part) => {
    const bytes = asRecord(part)?.sizeBytes;
    return sum + (typeof bytes === "number" ? bytes : 0);
  }, 0);
  if (total <= sizeGib * GIB) return [];
  return [
    {
      path,
      message: `The partitions in \`${fieldName(path)}\` add up to ${total} bytes (${(total / GIB).toFixed(1)} GiB), more than the ${what}'s ${sizeGib} GiB`,
    },
  ];
}

/** `2026-12-05T14:00:00Z`: the format SMC itself uses for times. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
