import { jobBytes } from "../orchestrator/sourceBytes.ts";
import { orderForStart } from "../scheduler/waveDecision.ts";
import { nextOpenings } from "../scheduler/waveWindow.ts";
import { encodeCreateReplicationJob } from "../smc/rpcEncoding.ts";
import type { SourceServer } from "../smc/types.ts";
import type {
  CompiledPlan,
  CompiledServer,
  CompiledWave,
  Cutover,
  WaveWindow,
} from "./compiledPlan.ts";
import { formatDuration } from "./duration.ts";
import { isoSeconds } from "./serverRules.ts";

/** Openings of a wave's window the dry run lists. */
const OPENINGS_SHOWN = 3;
/** What the service defaults ValidTime to when the plan gives none (contract §3). */
const SERVICE_DEFAULT_VALID = "30d";

interface DryRunServer {
  key: string;
  /** The source's name, or the plan's reference when the source is not known. */
  label: string;
  sourceId?: string;
  /** Bytes the job copies (system disk and the data disks it lists), when the source is known. */
  sizeBytes?: number;
  /** CreateReplicationJob parameters by their service names; run-time values in `<…>`. */
  parameters: Record<string, string>;
}

interface DryRunWindow {
  cron: string;
  timezone: string;
  duration: string;
  nextOpenings: string[];
}

interface DryRunWave {
  name: string;
  order: CompiledWave["order"];
  /** Set when the order shown is not the order that will run (sizes unknown without --online). */
  orderNote?: string;
  notBefore?: string;
  /** `manual`: the wave waits for `smc-waves approve` before it starts. */
  gate?: "manual";
  window?: DryRunWindow;
  /** Quota slots the wave can hold at once: min(maxJobs, servers). */
  quota: number;
  /** How its incremental servers are cut over, and the slots they hold until then. */
  cutover?: {
    mode: Cutover["mode"];
    syncData: boolean;
    onTimeout: Cutover["onTimeout"];
    window?: DryRunWindow;
    /** Incremental servers: each holds its quota slot from its create until its cut-over. */
    incremental: number;
    /** Groups they migrate in when there are more of them than the plan's jobs (1 otherwise). */
    groups: number;
  };
  servers: DryRunServer[];
}

export interface DryRun {
  name: string;
  regionId: string;
  account: string;
  maxJobs: number;
  /** Most quota slots the plan holds at once; waves run one after another. */
  quota: number;
  waves: DryRunWave[];
}

export interface DryRunOptions {
  /** Epoch ms the openings are counted from (or the wave's notBefore, if later). */
  now: number;
  /** Server key → source, from `checkPlanOnline`; without it names stay unresolved. */
  sources?: ReadonlyMap<string, SourceServer>;
}

/** "What will happen": per wave, the start order, each job's parameters, windows and quota. */
export function dryRun(plan: CompiledPlan, options: DryRunOptions): DryRun {
  const waves = plan.waves.map((wave) => dryRunWave(plan, wave, options));
  return {
    name: plan.name,
    regionId: plan.regionId,
    account: plan.account,
    maxJobs: plan.policy.maxJobs,
    quota: Math.max(0, ...waves.map((wave) => wave.quota)),
    waves,
  };
}

function dryRunWave(plan: CompiledPlan, wave: CompiledWave, options: DryRunOptions): DryRunWave {
  const { sources } = options;
  const entries = wave.servers.map((server, index) => {
    const source = sources?.get(server.key);
    // The orchestrator's measure: what the job copies (system disk and listed data disks).
    const sizeBytes = source === undefined ? 0 : jobBytes(source, server.settings.dataDisks);
    return { server, source, index, sizeBytes };
  });
  const sized = sources !== undefined && entries.every((entry) => entry.source !== undefined);
  const order = sized ? wave.order : "asListed";
  const result: DryRunWave = {
    name: wave.name,
    order: wave.order,
    quota: Math.min(plan.policy.maxJobs, wave.servers.length),
    servers: orderForStart(entries, order, plan.policy.maxJobs).map(
      ({ server, source, sizeBytes }) => dryRunServer(plan, server, source, sizeBytes),
    ),
  };
  if (wave.order !== "asListed" && !sized) {
    result.orderNote = `shown as listed: ${wave.order === "packed" ? "packing" : "largest first"} needs source sizes (--online)`;
  }
  if (wave.notBefore !== undefined) result.notBefore = isoSeconds(wave.notBefore);
  if (wave.gate !== undefined) result.gate = wave.gate;
  const from = Math.max(options.now, wave.notBefore ?? options.now);
  if (wave.window !== undefined) result.window = dryRunWindow(wave.window, from);
  if (wave.cutover !== undefined) {
    const { mode, syncData, onTimeout, window } = wave.cutover;
    const incremental = wave.servers.filter((server) => server.settings.runOnce === false).length;
    result.cutover = {
      mode,
      syncData,
      onTimeout,
      incremental,
      // Immediate cut-overs free each slot right after the first image: no groups to wait for.
      groups: mode === "immediate" ? 1 : Math.ceil(incremental / plan.policy.maxJobs),
      ...(window === undefined ? {} : { window: dryRunWindow(window, from) }),
    };
  }
  return result;
}

function dryRunWindow(window: WaveWindow, from: number): DryRunWindow {
  return {
    cron: window.cron,
    timezone: window.timezone,
    duration: formatDuration(window.durationMs),
    nextOpenings: nextOpenings(window, from, OPENINGS_SHOWN).map((at) =>
      formatInZone(at, window.timezone),
    ),
  };
}

function dryRunServer(
  plan: CompiledPlan,
  server: CompiledServer,
  source: SourceServer | undefined,
  sizeBytes: number,
): DryRunServer {
  const { validForMs, ...settings } = server.settings;
  const validFor = validForMs === undefined ? SERVICE_DEFAULT_VALID : formatDuration(validForMs);
  const parameters = encodeCreateReplicationJob({
    ...settings,
    regionId: plan.regionId,
    sourceId:
      source?.sourceId ?? `<${server.ref.name ?? server.ref.sourceId ?? ""} resolved at run time>`,
    name: "<set by smc-waves>",
    validTime: `<creation + ${validFor}>`,
  });
  const result: DryRunServer = {
    key: server.key,
    label: source?.name ?? server.ref.name ?? server.ref.sourceId ?? server.key,
    parameters,
  };
  if (source !== undefined) {
    result.sourceId = source.sourceId;
    result.sizeBytes = sizeBytes;
  }
  return result;
}

/** `2026-11-20 22:00 Asia/Shanghai (2026-11-20T14:00:00Z)`: local time as the cron means it, and UTC. */
function formatInZone(epochMs: number, timezone: string): string {
  // The sv-SE locale formats as ISO-like `YYYY-MM-DD HH:mm`.
  const local = new Intl.DateTimeFormat("sv-SE", {
    timeZone: timezone,
    dateStyle: "short",
    timeStyle: "short",
  }).format(epochMs);
  return `${local} ${timezone} (${isoSeconds(epochMs)})`;
}
