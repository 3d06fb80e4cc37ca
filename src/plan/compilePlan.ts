import type { JobPartSpec } from "../smc/types.ts";
import type {
  CompiledPlan,
  CompiledServer,
  CompiledWave,
  Cutover,
  JobSettings,
  WaveWindow,
} from "./compiledPlan.ts";
import { parseDuration } from "./duration.ts";
import type { Position } from "./planDocument.ts";
import type { PlanPath } from "./planProblem.ts";
import { DEFAULT_MAX_JOBS } from "./planRules.ts";
import type { RawCutover, RawPlan, RawServer, RawSettings, RawWave } from "./planSchema.ts";
import { isoSeconds } from "./serverRules.ts";

/** Policy when the plan leaves a key out; documented in docs/plan-format.md. */
const DEFAULT_POLICY = {
  maxJobs: DEFAULT_MAX_JOBS,
  pollIntervalMs: 30_000,
  jobRestarts: 3,
  onFinish: "delete",
  onWaveFailure: "halt",
  maxFailedServers: 0,
} as const;

type PartInput = { device: string; sizeBytes: number; block?: boolean | undefined };

/**
 * The last stage: a plan that passed every check becomes what the orchestrator runs. Defaults merge
 * plan → wave → server (`tags` and `replicationParameters` key by key, everything else replaces),
 * durations become milliseconds, maps become the API's lists.
 */
export function compilePlan(raw: RawPlan, locate: (path: PlanPath) => Position): CompiledPlan {
  const policy = raw.policy ?? {};
  return {
    name: raw.name,
    regionId: raw.regionId,
    account: raw.account ?? "default",
    policy: {
      maxJobs: policy.maxJobs ?? DEFAULT_POLICY.maxJobs,
      pollIntervalMs: parseDuration(policy.pollInterval) ?? DEFAULT_POLICY.pollIntervalMs,
      jobRestarts: policy.jobRestarts ?? DEFAULT_POLICY.jobRestarts,
      onFinish: policy.onFinish ?? DEFAULT_POLICY.onFinish,
      onWaveFailure: policy.onWaveFailure ?? DEFAULT_POLICY.onWaveFailure,
      maxFailedServers: policy.maxFailedServers ?? DEFAULT_POLICY.maxFailedServers,
    },
    waves: raw.waves.map((wave, waveIndex) => compileWave(raw, wave, waveIndex, locate)),
  };
}

function compileWave(
  raw: RawPlan,
  wave: RawWave,
  waveIndex: number,
  locate: (path: PlanPath) => Position,
): CompiledWave {
  const inherited = mergeSettings([raw.defaults, wave.defaults]);
  // Most servers of a generated plan only name a source: they share the wave's settings, compiled
  // once (a shallow copy each; nothing downstream mutates settings).
  const shared = toJobSettings(inherited);
  const compiled: CompiledWave = {
    name: wave.name,
    order: wave.order ?? "largestFirst",
    servers: wave.servers.map((server, serverIndex) => {
      const at = locate(["waves", waveIndex, "servers", serverIndex]);
      return compileServer(inherited, shared, server, at);
    }),
  };
  if (wave.window !== undefined) compiled.window = compileWindow(wave.window);
  if (wave.notBefore !== undefined) compiled.notBefore = Date.parse(wave.notBefore);
  if (wave.gate !== undefined) compiled.gate = wave.gate;
  // Only a wave with incremental servers has a cut-over (validation refuses one on any other);
  // without `cutover` they wait in sync for a person, as the warning said.
  if (compiled.servers.some((server) => server.settings.runOnce === false)) {
    compiled.cutover = compileCutover(wave.cutover ?? "manual");
  }
  return compiled;
}

type RawWindow = NonNullable<RawWave["window"]>;

function compileWindow(window: RawWindow): WaveWindow {
  return {
    cron: window.cron.trim(),
    durationMs: parseDuration(window.duration) ?? 0,
    timezone: window.timezone ?? "UTC",
  };
}

/** `manual` / `immediate`, or a mapping whose mode defaults to `window` when it has one. */
function compileCutover(raw: RawCutover): Cutover {
  if (typeof raw === "string") return { mode: raw, syncData: true, onTimeout: "wait" };
  const mode = raw.mode ?? (raw.window === undefined ? "manual" : "window");
  return {
    mode,
    ...(mode === "window" && raw.window !== undefined ? { window: compileWindow(raw.window) } : {}),
    syncData: raw.syncData ?? true,
    onTimeout: raw.onTimeout ?? "wait",
  };
}

function compileServer(
  inherited: RawSettings,
  shared: JobSettings,
  server: RawServer,
  at: Position,
): CompiledServer {
  const { sourceId, name, ...own } = server;
  const ref = sourceId !== undefined ? { sourceId } : { name: name ?? "" };
  const settings =
    Object.keys(own).length === 0 ? { ...shared } : toJobSettings(mergeSettings([inherited, own]));
  return {
    ref,
    key: sourceId ?? `name:${name ?? ""}`,
    settings,
    at: { line: at.line, col: at.col },
  };
}

/** Layers from least to most specific. */
function mergeSettings(layers: readonly (RawSettings | undefined)[]): RawSettings {
  const merged: RawSettings = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    const { tags, replicationParameters, ...rest } = layer;
    Object.assign(merged, rest);
    if (tags !== undefined) merged.tags = { ...merged.tags, ...tags };
    if (replicationParameters !== undefined) {
      merged.replicationParameters = { ...merged.replicationParameters, ...replicationParameters };
    }
  }
  return merged;
}

/** Plan keys that pass to the API unchanged (camelCase here, PascalCase on the wire). */
const PLAIN_KEYS = [
  "targetType",
  "imageName",
  "description",
  "instanceId",
  "vpcId",
  "vSwitchId",
  "netMode",
  "runOnce",
  "frequency",
  "maxNumberOfImageToKeep",
  "instanceType",
  "instanceRamRole",
  "containerNamespace",
  "containerRepository",
  "containerTag",
] as const satisfies readonly (keyof RawSettings & keyof JobSettings)[];

function toJobSettings(merged: RawSettings): JobSettings {
  // Validation guarantees systemDiskSize on every server before compilation runs.
  const settings: JobSettings = { systemDiskSize: merged.systemDiskSize ?? 0 };
  const target = settings as Record<string, unknown>;
  for (const key of PLAIN_KEYS) {
    if (merged[key] !== undefined) target[key] = merged[key];
  }
  if (merged.systemDiskParts !== undefined) {
    settings.systemDiskParts = merged.systemDiskParts.map(toPart);
  }
  if (merged.dataDisks !== undefined) {
    settings.dataDisks = merged.dataDisks.map((disk) => ({
      index: disk.index,
      size: disk.size,
      ...(disk.parts !== undefined ? { parts: disk.parts.map(toPart) } : {}),
    }));
  }
  if (merged.tags !== undefined) {
    settings.tags = Object.entries(merged.tags).map(([key, value]) => ({ key, value }));
  }
  if (merged.replicationParameters !== undefined) {
    settings.replicationParameters = JSON.stringify(merged.replicationParameters);
  }
  if (merged.validTime !== undefined) settings.validForMs = parseDuration(merged.validTime);
  if (merged.scheduledStartTime !== undefined) {
    settings.scheduledStartTime = isoSeconds(Date.parse(merged.scheduledStartTime));
  }
  return settings;
}

/** `block` defaults to true, as the API's does. */
function toPart(part: PartInput): JobPartSpec {
  return { device: part.device, sizeBytes: part.sizeBytes, block: part.block ?? true };
}
