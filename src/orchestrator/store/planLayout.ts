import {
  isEnded,
  SERVER_STATUSES,
  type ServerCounts,
  type ServerStatus,
} from "../../lifecycle/statuses.ts";
import type { CompiledPlan } from "../../plan/compiledPlan.ts";

export function toCounts(raw: Record<string, string>): ServerCounts {
  const counts = Object.fromEntries(SERVER_STATUSES.map((status) => [status, 0])) as ServerCounts;
  for (const status of SERVER_STATUSES) counts[status] = Math.max(0, Number(raw[status] ?? 0));
  return counts;
}

/** Servers are numbered across the whole plan, wave by wave, in the order the YAML lists them. */
export function allIndexes(spec: CompiledPlan): number[] {
  const total = spec.waves.reduce((sum, wave) => sum + wave.servers.length, 0);
  return Array.from({ length: total }, (_, index) => index);
}

export function waveIndexes(spec: CompiledPlan, wave: number): number[] {
  const first = spec.waves.slice(0, wave).reduce((sum, w) => sum + w.servers.length, 0);
  const count = spec.waves[wave]?.servers.length ?? 0;
  return Array.from({ length: count }, (_, offset) => first + offset);
}

/** Whether every server counted has ended. */
export function allEnded(counts: ServerCounts): boolean {
  return (Object.entries(counts) as [ServerStatus, number][]).every(
    ([status, count]) => count === 0 || isEnded("server", status),
  );
}
