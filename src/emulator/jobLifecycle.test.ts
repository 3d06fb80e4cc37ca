import { describe, expect, it } from "vitest";
import {
  advance,
  EXPIRED_RETENTION_MS,
  nextTransitionAt,
  type SimulationSettings,
  startJob,
  stopJob,
} from "./jobLifecycle.ts";
import { phaseAt, runningTime } from "./jobProgress.ts";
import { DAY, GIB, HOUR, job, settings, T0 } from "./jobRecordFixture.ts";
import type { JobRecord } from "./records.ts";

describe("advance", () => {
  it("leaves a Ready job without a schedule alone", () => {
    const result = advance(job(), T0 + 10 * DAY, settings);
    expect(result.job.status).toBe("Ready");
    expect(result.events).toEqual([]);
  });

  it("runs a started 100 GiB job through every phase to Finished in 1-3 hours", () => {
    const started = startJob(job(), T0, settings).job;
    expect(started.status).toBe("Running");
    expect(started.businessStatus).toBe("Preparing");
    const seen: string[] = [];
    let last = -1;
    let t = T0;
    let current = started;
    while (current.status === "Running") {
      t += 60_000;
      current = advance(current, t, settings).job;
      if (current.status === "Running") {
        if (seen.at(-1) !== current.businessStatus) seen.push(current.businessStatus);
        expect(current.progress).toBeGreaterThanOrEqual(last);
        expect(current.progress).toBeLessThan(100);
        last = current.progress;
      }
    }
    expect(seen).toEqual(["Preparing", "Syncing", "Processing", "Cleaning"]);
    expect(current.status).toBe("Finished");
    expect(current.progress).toBe(100);
    expect(current.imageId).toMatch(/^m-[a-z0-9]{20}$/);
    expect(current.endTime).not.toBeNull();
    const duration = (current.endTime ?? 0) - T0;
    expect(duration).toBeGreaterThan(HOUR);
    expect(duration).toBeLessThan(3 * HOUR);
    expect(current.runs).toEqual([
      {
        startTime: T0,
        endTime: current.endTime,
        imageId: current.imageId,
        type: "Manual",
        imageDeletedAt: null,
      },
    ]);
    expect(runningTime(current, t)).toBe(duration);
  });

  it("takes longer for more bytes", () => {
    const finishAt = (bytes: number) => {
      const done = advance(startJob(job({ bytes }), T0, settings).job, T0 + 60 * DAY, settings).job;
      return (done.endTime ?? 0) - T0;
    };
    expect(finishAt(400 * GIB)).toBeGreaterThan(finishAt(20 * GIB));
  });

  it("does not mutate the job it is given", () => {
    const original = job();
    const frozen = structuredClone(original);
    const started = startJob(original, T0, settings).job;
    advance(started, T0 + DAY, settings);
    expect(original).toEqual(frozen);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const end = (seed: number) =>
      advance(startJob(job(), T0, { ...settings, seed }).job, T0 + DAY, { ...settings, seed }).job;
    expect(end(1)).toEqual(end(1));
    expect(end(1).endTime).not.toBe(end(2).endTime);
  });

  it("stops and resumes keeping the work done", () => {
    let current = startJob(job(), T0, settings).job;
    current = advance(current, T0 + 20 * 60_000, settings).job;
    expect(current.businessStatus).toBe("Syncing");
    const progress = current.progress;
    current = stopJob(current, T0 + 20 * 60_000).job;
    expect(current.status).toBe("Stopped");
    expect(current.businessStatus).toBe("");
    current = advance(current, T0 + 5 * DAY, settings).job;
    expect(current.status).toBe("Stopped");
    expect(current.progress).toBe(progress);
    current = startJob(current, T0 + 5 * DAY, settings).job;
    expect(current.progress).toBe(progress);
    current = advance(current, T0 + 6 * DAY, settings).job;
    expect(current.status).toBe("Finished");
    expect(runningTime(current, T0 + 6 * DAY)).toBe(
      (current.endTime ?? 0) - T0 - (5 * DAY - 20 * 60_000),
    );
  });

  it("drops to InError with ErrorCode=InternalError at the job error rate and resumes on Start", () => {
    const failing = { ...settings, jobErrorRate: 1 };
    let current = startJob(job(), T0, failing).job;
    const { job: failed, events } = advance(current, T0 + DAY, failing);
    expect(failed.status).toBe("InError");
    expect(failed.errorCode).toBe("InternalError");
    expect(events.map((e) => [e.kind, e.runningDelta])).toEqual([["failed", -1]]);
    current = startJob(failed, T0 + DAY, settings).job;
    expect(current.errorCode).toBe("");
    expect(current.progress).toBe(failed.progress);
    current = advance(current, T0 + 2 * DAY, settings).job;
    expect(current.status).toBe("Finished");
    expect(current.runs).toHaveLength(1);
  });

  it("starts a job at its ScheduledStartTime by itself", () => {
    const scheduled = job({ scheduledStartTime: T0 + HOUR });
    expect(advance(scheduled, T0 + HOUR - 1, settings).job.status).toBe("Ready");
    const started = advance(scheduled, T0 + HOUR + 1000, settings);
    expect(started.job.status).toBe("Running");
    expect(started.job.startTime).toBe(T0 + HOUR);
    expect(started.events[0]).toMatchObject({ kind: "started", at: T0 + HOUR, runningDelta: 1 });
    const done = advance(scheduled, T0 + DAY, settings).job;
    expect(done.runs[0]?.type).toBe("Schedule");
  });

  it("expires an unfinished job when ValidTime passes and removes it 7 days later", () => {
    const running = startJob(job({ validTime: T0 + 30 * 60_000 }), T0, settings).job;
    const expired = advance(running, T0 + HOUR, settings);
    expect(expired.job.status).toBe("Expired");
    expect(expired.events).toEqual([
      expect.objectContaining({ kind: "expired", at: T0 + 30 * 60_000, runningDelta: -1 }),
    ]);
    expect(
      advance(expired.job, T0 + 30 * 60_000 + EXPIRED_RETENTION_MS - 1, settings).job.deletedAt,
    ).toBeNull();
    const removed = advance(expired.job, T0 + 30 * 60_000 + EXPIRED_RETENTION_MS, settings);
    expect(removed.job.deletedAt).toBe(T0 + 30 * 60_000 + EXPIRED_RETENTION_MS);
    expect(removed.events.map((e) => e.kind)).toEqual(["removed"]);
  });

  it("never expires a finished job or one with an empty ValidTime", () => {
    const finished = advance(startJob(job(), T0, settings).job, T0 + DAY, settings).job;
    expect(advance(finished, T0 + 365 * DAY, settings).job.status).toBe("Finished");
    expect(advance(job({ validTime: null }), T0 + 365 * DAY, settings).job.status).toBe("Ready");
  });

  it("re-runs an incremental job Frequency hours after each run ends, Waiting in between", () => {
    const incremental = job({ runOnce: false, frequency: 12, maxNumberOfImageToKeep: 10 });
    let current = startJob(incremental, T0, settings).job;
    current = advance(current, T0 + 6 * HOUR, settings).job;
    expect(current.status).toBe("Waiting");
    const firstEnd = current.runs[0]?.endTime ?? 0;
    expect(current.nextRunAt).toBe(firstEnd + 12 * HOUR);
    expect(current.runs).toHaveLength(1);
    current = advance(current, firstEnd + 12 * HOUR + 60_000, settings).job;
    expect(current.status).toBe("Running");
    expect(current.startTime).toBe(firstEnd + 12 * HOUR);
    current = advance(current, T0 + 55 * HOUR, settings).job;
    expect(current.status).toBe("Waiting");
    expect(current.runs.map((run) => run.type)).toEqual([
      "Manual",
      "Schedule",
      "Schedule",
      "Schedule",
      "Schedule",
    ]);
    current.runs.slice(1).forEach((run, i) => {
      expect(run.startTime - (current.runs[i]?.endTime ?? 0)).toBe(12 * HOUR);
    });
    expect(new Set(current.runs.map((run) => run.imageId)).size).toBe(5);
    expect(current.imageId).toBe(current.runs.at(-1)?.imageId);
  });
});

describe("phaseAt", () => {
  it("maps work positions onto the four business statuses", () => {
    const phases = { preparing: 10, syncing: 10, processing: 10, cleaning: 10 };
    expect([0, 9, 10, 19, 20, 29, 30, 39].map((p) => phaseAt(phases, p))).toEqual([
      "Preparing",
      "Preparing",
      "Syncing",
      "Syncing",
      "Processing",
      "Processing",
      "Cleaning",
      "Cleaning",
    ]);
  });
});

describe("nextTransitionAt", () => {
  it("is the instant of the first transition advance finds, in every kind of state", () => {
    const failing = { ...settings, jobErrorRate: 1 };
    const cases: Array<[JobRecord, SimulationSettings]> = [
      [startJob(job(), T0, settings).job, settings],
      [startJob(job(), T0, failing).job, failing],
      [job({ scheduledStartTime: T0 + HOUR }), settings],
      [job({ validTime: T0 + 8 * DAY }), settings],
      [
        advance(
          startJob(job({ runOnce: false, frequency: 24 }), T0, settings).job,
          T0 + 5 * HOUR,
          settings,
        ).job,
        settings,
      ],
      [advance(job({ validTime: T0 + HOUR }), T0 + 2 * HOUR, settings).job, settings],
    ];
    for (const [record, s] of cases) {
      const at = nextTransitionAt(record);
      expect(at).not.toBeNull();
      expect(advance(record, (at ?? 0) - 1, s).events).toEqual([]);
      expect(advance(record, at ?? 0, s).events[0]?.at).toBe(at);
    }
    expect(nextTransitionAt(job({ validTime: null }))).toBeNull();
  });
});
