/**
 * Brings a job to any status through our SmcClient, moving the emulator's clock (never sleeping):
 * what the client conformance suites of incremental jobs and job rules share. Sources are the small
 * 20 GiB ones of emulatorClient.ts, so a full run takes about half an emulated hour.
 */
import { expect } from "vitest";
import type { RunningEmulator } from "../../src/emulator/startEmulator.ts";
import type { CreateReplicationJobInput, SmcClient } from "../../src/smc/client.ts";
import { advanceUntil, job, sourceId } from "./emulatorClient.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type ClientJobState =
  | "Ready"
  | "Preparing"
  | "Syncing"
  | "Stopped"
  | "InError"
  | "Finished"
  | "Waiting"
  | "Expired";

/** `yyyy-MM-ddTHH:mm:ssZ`, the service's time format. */
export function serviceTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** An incremental job's settings: a week between runs unless the test changes it. */
export const INCREMENTAL = { runOnce: false, frequency: 168, maxNumberOfImageToKeep: 2 } as const;

/**
 * A job for source `n` brought to `state`. `extra` adds create parameters (e.g. a ValidTime);
 * Waiting jobs are incremental ones that finished their first run.
 */
export async function jobIn(
  emulator: RunningEmulator,
  smc: SmcClient,
  n: number,
  state: ClientJobState,
  extra: Partial<CreateReplicationJobInput> = {},
): Promise<string> {
  const validTime =
    state === "Expired" ? serviceTime(emulator.clock.now() + 7 * DAY + HOUR) : undefined;
  const { jobId } = await smc.createReplicationJob({
    sourceId: sourceId(n),
    systemDiskSize: 20,
    ...(state === "Waiting" ? INCREMENTAL : {}),
    ...(validTime === undefined ? {} : { validTime }),
    ...extra,
  });
  if (state === "Ready") return jobId;
  if (state === "Expired") {
    emulator.advanceClock(7 * DAY + 2 * HOUR);
    expect((await job(smc, jobId)).status).toBe("Expired");
    return jobId;
  }
  if (state === "InError") emulator.setFaults({ jobErrorRate: 1 });
  await smc.startReplicationJob({ jobId });
  if (state === "InError") emulator.setFaults({ jobErrorRate: 0 });
  const reached = await advanceUntil(emulator, smc, jobId, (current) =>
    state === "Preparing" || state === "Syncing" || state === "Stopped"
      ? current.businessStatus === (state === "Stopped" ? "Syncing" : state)
      : current.status === state,
  );
  if (state === "Stopped") {
    await smc.stopReplicationJob({ jobId });
    expect((await job(smc, jobId)).status).toBe("Stopped");
  } else {
    expect(reached.status).toBe(state === "Preparing" || state === "Syncing" ? "Running" : state);
  }
  return jobId;
}
