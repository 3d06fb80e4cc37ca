import type { SourceServer } from "../smc/types.ts";

/** Bytes a replication job copies from a source: every partition of every disk. Orders a wave. */
export function sourceBytes(source: Pick<SourceServer, "systemDiskParts" | "dataDisks">): number {
  const parts = [...source.systemDiskParts, ...source.dataDisks.flatMap((disk) => disk.parts)];
  return parts.reduce((sum, part) => sum + part.sizeBytes, 0);
}

/**
 * Bytes the server's job copies: the system disk and only the data disks its settings list
 * (`DataDisk.N.Index`); SMC migrates no other disk. This is what a job's length follows, so it is
 * what orders a wave largest first; a 2 TB data disk left out makes the job no longer.
 */
export function jobBytes(
  source: Pick<SourceServer, "systemDiskParts" | "dataDisks">,
  dataDisks: readonly { index: number }[] = [],
): number {
  const listed = new Set(dataDisks.map((disk) => disk.index));
  return sourceBytes({
    systemDiskParts: source.systemDiskParts,
    dataDisks: source.dataDisks.filter((disk) => listed.has(disk.index)),
  });
}
