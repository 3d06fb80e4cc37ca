/**
 * The plans benches run: waves over the emulator's sources in listing order, largest first, each
 * job copying the source's system disk to an image. A failed server never halts the plan, so
 * every server is measured.
 */
import type { CompiledPlan } from "../src/plan/compiledPlan.ts";
import type { SourceServer } from "../src/smc/types.ts";

/** The first `count` Available sources; throws when the emulator has fewer. */
export function availableSources(sources: readonly SourceServer[], count: number): SourceServer[] {
  const available = sources.filter((source) => source.state === "Available").slice(0, count);
  if (available.length < count)
    throw new Error(
      `the emulator has ${available.length} available sources, the bench needs ${count}`,
    );
  return available;
}

/** `servers` in `waves` waves of `ceil(servers / waves)`; the last ones take what is left. */
export function evenWaveSizes(servers: number, waves: number): number[] {
  const perWave = Math.ceil(servers / waves);
  return Array.from({ length: waves }, (_, wave) =>
    Math.max(0, Math.min(perWave, servers - wave * perWave)),
  );
}

export function benchPlan(options: {
  name: string;
  sources: readonly SourceServer[];
  waveSizes: readonly number[];
  maxJobs: number;
  /** On the clock the orchestrator that runs the plan uses. */
  pollIntervalMs: number;
  /** How each server names its source in the plan, as a user would write it. */
  refBy: "name" | "sourceId";
}): { plan: CompiledPlan; waveOfSource: Map<string, number> } {
  const waveOfSource = new Map<string, number>();
  let next = 0;
  const waves = options.waveSizes.map((size, wave) => {
    const slice = options.sources.slice(next, next + size);
    next += size;
    return {
      name: `wave-${wave + 1}`,
      order: "largestFirst" as const,
      servers: slice.map((source) => {
        waveOfSource.set(source.sourceId, wave);
        return {
          ...(options.refBy === "name"
            ? { key: `name:${source.name}`, ref: { name: source.name } }
            : { key: source.sourceId, ref: { sourceId: source.sourceId } }),
          settings: {
            systemDiskSize: Math.max(20, source.systemDiskSize),
            targetType: "Image" as const,
          },
        };
      }),
    };
  });
  const plan: CompiledPlan = {
    name: options.name,
    regionId: "cn-hangzhou",
    account: "default",
    policy: {
      maxJobs: options.maxJobs,
      pollIntervalMs: options.pollIntervalMs,
      jobRestarts: 3,
      onFinish: "delete",
      onWaveFailure: "continue",
      maxFailedServers: options.sources.length,
    },
    waves,
  };
  return { plan, waveOfSource };
}
