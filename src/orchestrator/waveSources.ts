import type { CompiledWave } from "../plan/compiledPlan.ts";
import type { SourceServer } from "../smc/types.ts";
import type { ServerRecord } from "./migrationStore.ts";

export type SourceResolution =
  | { ok: true; sourceId: string; name: string; sizeBytes: number }
  | { ok: false; code: "Plan.SourceNotFound" | "Plan.SourceAmbiguous"; message: string };

/** Bytes a replication job copies from a source: every partition of every disk. */
export function sourceBytes(source: SourceServer): number {
  const parts = [...source.systemDiskParts, ...source.dataDisks.flatMap((disk) => disk.parts)];
  return parts.reduce((sum, part) => sum + part.sizeBytes, 0);
}

/**
 * Matches each server of a wave to one source of the account's list, by id or by unique name.
 * Pure: the caller lists the sources once per wave (a few calls of 50), not once per server.
 */
export function resolveWaveSources(
  wave: CompiledWave,
  servers: readonly ServerRecord[],
  sources: readonly SourceServer[],
): Map<number, SourceResolution> {
  const byId = new Map(sources.map((source) => [source.sourceId, source]));
  const byName = new Map<string, SourceServer[]>();
  for (const source of sources)
    byName.set(source.name, [...(byName.get(source.name) ?? []), source]);

  const resolutions = new Map<number, SourceResolution>();
  for (const server of servers) {
    const ref = wave.servers.find((candidate) => candidate.key === server.key)?.ref ?? {};
    let matches: SourceServer[];
    if (ref.sourceId)
      matches = byId.has(ref.sourceId) ? [byId.get(ref.sourceId) as SourceServer] : [];
    else matches = byName.get(ref.name ?? "") ?? [];
    const [match] = matches;
    const wanted = ref.sourceId ? `source id ${ref.sourceId}` : `source name "${ref.name ?? ""}"`;
    if (!match) {
      resolutions.set(server.index, {
        ok: false,
        code: "Plan.SourceNotFound",
        message: `no source server in the account has ${wanted}`,
      });
    } else if (matches.length > 1) {
      resolutions.set(server.index, {
        ok: false,
        code: "Plan.SourceAmbiguous",
        message: `${matches.length} source servers have ${wanted} (${matches.map((s) => s.sourceId).join(", ")}); list one by sourceId`,
      });
    } else {
      resolutions.set(server.index, {
        ok: true,
        sourceId: match.sourceId,
        name: match.name,
        sizeBytes: sourceBytes(match),
      });
    }
  }
  return resolutions;
}
