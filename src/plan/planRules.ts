import { cutoverRules, type WaveServers } from "./cutoverRules.ts";
import { parseDuration } from "./duration.ts";
import { asList, asRecord, effectiveSettings, type SettingsLayer } from "./effectiveSettings.ts";
import type { Position } from "./planDocument.ts";
import { type Finding, type PlanPath, quoteName } from "./planProblem.ts";
import { effectiveServerRules, settingsLayerRules } from "./serverRules.ts";
import { checkDuration, checkWindow } from "./windowProblems.ts";

/** Poll no faster than each second (the API throttles) and no slower than hourly. */
const POLL_RANGE_MS = [1_000, 3_600_000] as const;
/** What the service gives a job when the plan sets no `validTime` (contract §3). */
const SERVICE_VALID_MS = 30 * 86_400_000;
/** `policy.maxJobs` when the plan does not say (the contract's default account quota). */
export const DEFAULT_MAX_JOBS = 100;

export interface RuleContext {
  /** Epoch ms the plan is checked at: times in the plan are judged against it. */
  now: number;
  locate(path: PlanPath): Position;
}

/**
 * Rules spanning several keys, run on the parsed data even when the schema found problems, so an
 * operator sees everything at once. Each rule reads only values of the right type and leaves
 * wrong types to the schema stage.
 */
export function planRules(data: unknown, context: RuleContext): Finding[] {
  const plan = asRecord(data);
  if (plan === undefined) return [];
  const findings: Finding[] = [];
  const planDefaults: SettingsLayer = { path: ["defaults"], value: asRecord(plan.defaults) };
  findings.push(...settingsLayerRules(planDefaults, context.now));
  const policy = asRecord(plan.policy);
  checkDuration(findings, ["policy", "pollInterval"], policy?.pollInterval, POLL_RANGE_MS);
  const maxJobs = typeof policy?.maxJobs === "number" ? policy.maxJobs : DEFAULT_MAX_JOBS;

  const waveNames = new Map<string, PlanPath>();
  const serverKeys = new Map<string, PlanPath>();
  const instanceIds = new Map<string, PlanPath>();
  let serverCount = 0;
  // Generated plans repeat one window on every wave; cron with a zone costs about a millisecond.
  const windowChecks = new Map<string, string | undefined>();

  asList(plan.waves).forEach((waveValue, waveIndex) => {
    const wave = asRecord(waveValue);
    if (wave === undefined) return;
    const wavePath: PlanPath = ["waves", waveIndex];
    const waveName = wave.name;
    if (typeof waveName === "string") {
      noteUnique(
        findings,
        waveNames,
        waveName,
        [...wavePath, "name"],
        context,
        (line) =>
          `Wave name ${quoteName(waveName)} is already used by the wave at line ${line}; wave names must be unique`,
      );
    }
    checkWindow(
      findings,
      [...wavePath, "window"],
      asRecord(wave.window),
      context.now,
      windowChecks,
    );
    const notBefore = typeof wave.notBefore === "string" ? Date.parse(wave.notBefore) : Number.NaN;
    const waveDefaults: SettingsLayer = {
      path: [...wavePath, "defaults"],
      value: asRecord(wave.defaults),
    };
    findings.push(...settingsLayerRules(waveDefaults, context.now));

    const waveSettings = effectiveSettings([planDefaults, waveDefaults]);
    const withoutSystemDisk: PlanPath[] = [];
    const servers: WaveServers = { count: 0, incremental: 0 };
    asList(wave.servers).forEach((serverValue, serverIndex) => {
      serverCount += 1;
      servers.count += 1;
      const server = asRecord(serverValue);
      if (server === undefined) return;
      const serverPath: PlanPath = [...wavePath, "servers", serverIndex];
      const { sourceId, name } = server;
      const hasId = sourceId !== undefined;
      const hasName = name !== undefined;
      if (hasId === hasName) {
        findings.push({
          path: serverPath,
          message: hasId
            ? `A server needs exactly one of \`sourceId\` and \`name\`, got both (${quoteName(sourceId)} and ${quoteName(name)})`
            : "A server needs exactly one of `sourceId` and `name`, got neither",
        });
      }
      const key =
        typeof sourceId === "string"
          ? sourceId
          : typeof name === "string"
            ? `name:${name}`
            : undefined;
      const label =
        typeof sourceId === "string"
          ? sourceId
          : typeof name === "string"
            ? name
            : `#${serverIndex + 1}`;
      if (key !== undefined && hasId !== hasName) {
        const field = hasId ? "sourceId" : "name";
        noteUnique(
          findings,
          serverKeys,
          key,
          [...serverPath, field],
          context,
          (line) =>
            `Server ${quoteName(label)} is already listed at line ${line}; a source can have only one unfinished job, so a second entry is certain to fail`,
        );
      }
      const layer: SettingsLayer = { path: serverPath, value: server };
      findings.push(...settingsLayerRules(layer, context.now));
      const settings = effectiveSettings([layer], waveSettings);
      if (!settings.has("systemDiskSize")) withoutSystemDisk.push(serverPath);
      if (settings.get("runOnce")?.value === false) {
        servers.incremental += 1;
        const validForMs = parseDuration(settings.get("validTime")?.value) ?? SERVICE_VALID_MS;
        servers.shortestValidMs = Math.min(servers.shortestValidMs ?? validForMs, validForMs);
      }
      findings.push(
        ...effectiveServerRules(settings, {
          path: serverPath,
          label: quoteName(label),
          ...(Number.isFinite(notBefore) ? { notBefore } : {}),
        }),
      );
      const instance = settings.get("instanceId");
      if (typeof instance?.value === "string") {
        const first = instanceIds.get(instance.value);
        if (first === undefined) instanceIds.set(instance.value, instance.path);
        else {
          const shared = first.join() === instance.path.join();
          findings.push({
            path: instance.path,
            message: shared
              ? `\`instanceId\` ${quoteName(instance.value)} is inherited by several servers; each server needs its own target instance`
              : `Instance ${quoteName(instance.value)} is already the target of the server at line ${context.locate(first).line}; each server needs its own`,
          });
        }
      }
    });
    findings.push(...missingSystemDisk(wavePath, withoutSystemDisk, asList(wave.servers).length));
    findings.push(...cutoverRules(wave, wavePath, servers, { ...context, maxJobs }, windowChecks));
  });

  if (policy?.onFinish === "keep" && serverCount > maxJobs) {
    findings.push({
      path: ["policy", "onFinish"],
      message: `\`onFinish: keep\` leaves every finished job holding its quota slot, so only \`maxJobs\` (${maxJobs}) of the plan's ${serverCount} servers can migrate; use \`delete\` or raise \`maxJobs\``,
    });
  }
  return findings;
}

/**
 * Every server needs a system disk size. When a whole wave lacks it the fix is one line, so it is
 * one problem at the wave's `servers` rather than one per server.
 */
function missingSystemDisk(
  wavePath: PlanPath,
  missing: PlanPath[],
  serverCount: number,
): Finding[] {
  const where =
    "set it (GiB, 20–500) in the plan's `defaults`, the wave's `defaults` or the server";
  if (missing.length > 1 && missing.length === serverCount) {
    return [
      {
        path: [...wavePath, "servers"],
        at: "key",
        message: `No \`systemDiskSize\` for any of this wave's ${serverCount} servers: ${where}`,
      },
    ];
  }
  return missing.map((path) => ({
    path,
    message: `No \`systemDiskSize\` for this server: ${where}`,
  }));
}

/** Records `value` as seen at `path`, or reports it as a repeat of an earlier one. */
function noteUnique(
  findings: Finding[],
  seen: Map<string, PlanPath>,
  value: string,
  path: PlanPath,
  context: RuleContext,
  message: (firstLine: number) => string,
): void {
  const first = seen.get(value);
  if (first === undefined) seen.set(value, path);
  else findings.push({ path, message: message(context.locate(first).line) });
}
