import type { SourceServer } from "../smc/types.ts";

/** Bytes a replication job copies from a source: every partition of every disk. Orders a wave. */
export function sourceBytes(source: Pick<SourceServer, "systemDiskParts" | "dataDisks">): number {
  const parts = [...source.systemDiskParts, ...source.dataDisks.flatMap((disk) => disk.parts)];
  return parts.reduce((sum, part) => sum + part.sizeBytes, 0);
}
