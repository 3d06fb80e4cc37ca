/**
 * The incremental side of the pure state machine, on an injected clock: cut-over with and without
 * a last sync, images pruned to MaxNumberOfImageToKeep, a changed Frequency moving the next run,
 * and ValidTime turning every unfinished status Expired.
 */
import { describe, expect, it } from "vitest";
import {
  advance,
  cutOverJob,
  EXPIRED_RETENTION_MS,
  rescheduleNextRun,
  startJob,
  stopJob,
} from "./jobLifecycle.ts";
import { DAY, HOUR, job, settings, T0 } from "./jobRecordFixture.ts";
import type { JobRecord } from "./records.ts";

const MINUTE = 60_000;

/** An incremental job that finished its first run and waits for the next (Frequency 12 h). */
function waitingJob(overrides: Partial<JobRecord> = {}): JobRecord {
  const incremental = job({
    runOnce: false,
    frequency: 12,
    maxNumberOfImageToKeep: 3,
    ...overrides,
  });
  const waiting = advance(startJob(incremental, T0, settings).job, T0 + 6 * HOUR, settings).job;
  expect(waiting.status).toBe("Waiting");
  return waiting;
}

/** Advances minute by minute while Running, collecting the business statuses seen. */
function runToEnd(
  start: JobRecord,
  from: number,
): { job: JobRecord; phases: string[]; at: number } {
  const phases: string[] = [];
  let current = start;
  let at = from;
  while (current.status === "Running") {
    if (phases.at(-1) !== current.businessStatus) phases.push(current.businessStatus);
    at += MINUTE;
    current = advance(current, at, settings).job;
  }
  return { job: current, phases, at };
}

describe("cutOverJob", () => {
  it("without SyncData finishes at once with the images it has and releases the transition instance", () => {
    const waiting = waitingJob();
    expect(waiting.transitionInstanceId).toMatch(/^i-/);
    const at = T0 + 7 * HOUR;
    const { job: done, events } = cutOverJob(waiting, at, false, settings);
    expect(done).toMatchObject({
      status: "Finished",
      finishedAt: at,
      nextRunAt: null,
      cutOverAt: at,
      transitionInstanceId: "",
      imageId: waiting.imageId,
      progress: 100,
    });
    expect(done.runs).toEqual(waiting.runs);
    expect(events).toEqual([{ kind: "finished", jobId: done.jobId, at, runningDelta: 0 }]);
    // No run is scheduled any more, however long the clock runs.
    expect(advance(done, T0 + 20 * DAY, settings).job.runs).toHaveLength(1);
  });

  it("with SyncData runs one last Manual run through the business statuses, then finishes", () => {
    const waiting = waitingJob();
    const at = T0 + 7 * HOUR;
    const { job: syncing, events } = cutOverJob(waiting, at, true, settings);
    expect(syncing).toMatchObject({
      status: "Running",
      businessStatus: "Preparing",
      startTime: at,
    });
    expect(events).toEqual([expect.objectContaining({ kind: "started", runningDelta: 1 })]);
    const { job: done, phases } = runToEnd(syncing, at);
    expect(phases).toEqual(["Preparing", "Syncing", "Processing", "Cleaning"]);
    expect(done.status).toBe("Finished");
    expect(done.runs).toHaveLength(2);
    expect(done.runs[1]).toMatchObject({ type: "Manual", startTime: at });
    expect(done.imageId).toBe(done.runs[1]?.imageId);
    expect(done.imageId).not.toBe(waiting.imageId);
    expect(done.transitionInstanceId).toBe("");
    expect(done.finishedAt).toBe(done.endTime);
  });

  it("resumes an interrupted last run and still finishes", () => {
    const at = T0 + 7 * HOUR;
    let current = cutOverJob(waitingJob(), at, true, { ...settings, jobErrorRate: 1 }).job;
    current = advance(current, at + DAY, settings).job;
    expect(current.status).toBe("InError");
    current = startJob(current, at + DAY, settings).job;
    current = advance(current, at + 2 * DAY, settings).job;
    expect(current.status).toBe("Finished");
    expect(current.runs.map((run) => run.type)).toEqual(["Manual", "Manual"]);
  });

  it("does not touch the record it is given", () => {
    const waiting = waitingJob();
    const frozen = structuredClone(waiting);
    cutOverJob(waiting, T0 + 7 * HOUR, true, settings);
    cutOverJob(waiting, T0 + 7 * HOUR, false, settings);
    expect(waiting).toEqual(frozen);
  });
});

describe("images of an incremental job", () => {
  it("keeps the newest MaxNumberOfImageToKeep, marking older runs' images deleted", () => {
    const start = job({ runOnce: false, frequency: 1, maxNumberOfImageToKeep: 2 });
    const { job: current, events } = advance(startJob(start, T0, settings).job, T0 + DAY, settings);
    expect(current.runs.length).toBeGreaterThan(5);
    const kept = current.runs.filter((run) => run.imageDeletedAt === null);
    expect(kept).toEqual(current.runs.slice(-2));
    expect(current.imageId).toBe(current.runs.at(-1)?.imageId);
    // Each image was pruned at the end of the run that made it the third newest.
    current.runs.slice(0, -2).forEach((run, i) => {
      expect(run.imageDeletedAt).toBe(current.runs[i + 2]?.endTime);
    });
    const pruned = events.filter((event) => event.kind === "imagePruned");
    expect(pruned).toHaveLength(current.runs.length - 2);
    expect(pruned.every((event) => event.runningDelta === 0)).toBe(true);
  });

  it("applies a lowered MaxNumberOfImageToKeep at the next run's end", () => {
    const many = advance(
      startJob(job({ runOnce: false, frequency: 1, maxNumberOfImageToKeep: 5 }), T0, settings).job,
      T0 + 12 * HOUR,
      settings,
    ).job;
    expect(many.runs.filter((run) => run.imageDeletedAt === null)).toHaveLength(5);
    const lowered = { ...many, maxNumberOfImageToKeep: 1 };
    expect(lowered.runs.filter((run) => run.imageDeletedAt === null)).toHaveLength(5);
    const next = advance(lowered, (lowered.nextRunAt ?? 0) + 3 * HOUR, settings).job;
    expect(next.runs.filter((run) => run.imageDeletedAt === null)).toEqual([next.runs.at(-1)]);
  });

  it("never prunes a RunOnce job's image", () => {
    const done = advance(
      startJob(job({ maxNumberOfImageToKeep: 1 }), T0, settings).job,
      T0 + DAY,
      settings,
    ).job;
    expect(done.runs[0]?.imageDeletedAt).toBeNull();
  });
});

describe("rescheduleNextRun", () => {
  it("moves the next run to the last run's end plus the new Frequency, never before now", () => {
    const waiting = waitingJob();
    const lastEnd = waiting.runs[0]?.endTime ?? 0;
    expect(waiting.nextRunAt).toBe(lastEnd + 12 * HOUR);
    const shorter = rescheduleNextRun({ ...waiting, frequency: 2 }, T0 + 3 * HOUR);
    expect(shorter.nextRunAt).toBe(lastEnd + 2 * HOUR);
    const longer = rescheduleNextRun({ ...waiting, frequency: 24 }, T0 + 3 * HOUR);
    expect(longer.nextRunAt).toBe(lastEnd + 24 * HOUR);
    const overdue = rescheduleNextRun({ ...waiting, frequency: 1 }, lastEnd + 5 * HOUR);
    expect(overdue.nextRunAt).toBe(lastEnd + 5 * HOUR);
    const started = advance(overdue, lastEnd + 5 * HOUR, settings);
    expect(started.job.status).toBe("Running");
    expect(started.job.startTime).toBe(lastEnd + 5 * HOUR);
  });

  it("leaves jobs that are not Waiting alone", () => {
    const ready = job({ runOnce: false, frequency: 12, maxNumberOfImageToKeep: 3 });
    expect(rescheduleNextRun({ ...ready, frequency: 1 }, T0).nextRunAt).toBeNull();
  });
});

describe("ValidTime", () => {
  const validTime = T0 + 8 * DAY;
  const expiring: Array<[string, () => JobRecord]> = [
    ["Ready", () => job({ validTime })],
    ["Running", () => startJob(job({ validTime, bytes: 20_000 * 1024 ** 3 }), T0, settings).job],
    [
      "Stopped",
      () =>
        stopJob(
          advance(startJob(job({ validTime }), T0, settings).job, T0 + 20 * MINUTE, settings).job,
          T0 + 20 * MINUTE,
        ).job,
    ],
    [
      "InError",
      () => {
        const failing = { ...settings, jobErrorRate: 1 };
        return advance(startJob(job({ validTime }), T0, failing).job, T0 + DAY, failing).job;
      },
    ],
    ["Waiting", () => waitingJob({ validTime, frequency: 168 })],
  ];

  it.each(expiring)(
    "turns a %s job Expired at that instant, then removes it 7 days later",
    (status, make) => {
      const before = make();
      expect(before.status).toBe(status);
      expect(advance(before, validTime - 1, settings).job.status).toBe(status);
      const { job: expired, events } = advance(before, validTime, settings);
      expect(expired.status).toBe("Expired");
      expect(expired.expiredAt).toBe(validTime);
      expect(events.at(-1)).toMatchObject({
        kind: "expired",
        at: validTime,
        runningDelta: status === "Running" ? -1 : 0,
      });
      expect(advance(expired, validTime + 30 * DAY, settings).job.runs).toEqual(expired.runs);
      expect(
        advance(expired, validTime + EXPIRED_RETENTION_MS - 1, settings).job.deletedAt,
      ).toBeNull();
      expect(advance(expired, validTime + EXPIRED_RETENTION_MS, settings).job.deletedAt).toBe(
        validTime + EXPIRED_RETENTION_MS,
      );
    },
  );

  it("never expires a job that was cut over", () => {
    const done = cutOverJob(waitingJob({ validTime }), T0 + 7 * HOUR, false, settings).job;
    expect(advance(done, validTime + DAY, settings).job.status).toBe("Finished");
  });
});
