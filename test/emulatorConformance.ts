/**
 * The fixture the pop-core conformance files share: one emulator with 40 Available 100 GiB sources
 * (one 50 GiB data disk each) and one Unavailable source, reset before every test, plus helpers
 * that create jobs and bring them to any state by moving emulated time.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import {
  type RunningEmulator,
  type SourceSpec,
  startEmulator,
} from "../src/emulator/startEmulator.ts";
import { type Body, type Params, popClient } from "./emulatorKit.ts";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export const CONFORMANCE_SOURCES: SourceSpec[] = [
  ...Array.from({ length: 40 }, (_, i) => ({
    name: `src-${String(i + 1).padStart(2, "0")}`,
    systemDiskGiB: 100,
    dataDiskGiB: [50],
  })),
  { name: "offline-01", state: "Unavailable" as const, systemDiskGiB: 40 },
];

export type JobState =
  | "Ready"
  | "Preparing"
  | "Syncing"
  | "Stopped"
  | "InError"
  | "Finished"
  | "Waiting"
  | "Expired";

export const JOB_STATES: JobState[] = [
  "Ready",
  "Preparing",
  "Syncing",
  "Stopped",
  "InError",
  "Finished",
  "Waiting",
  "Expired",
];

function wireTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

export class ConformanceFixture {
  emulator!: RunningEmulator;
  smc!: ReturnType<typeof popClient>;
  /** Available sources, in registration order. */
  sourceIds: string[] = [];
  offlineId = "";
  #next = 0;

  /** A source no job of this test has used yet. */
  freshSource(): string {
    const id = this.sourceIds[this.#next++];
    if (!id) throw new Error("out of test sources");
    return id;
  }

  /** CreateReplicationJob on a fresh source (params may override SourceId and the rest). */
  async create(params: Params = {}): Promise<string> {
    const answer = await this.smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: this.freshSource(),
      SystemDiskSize: 100,
      ...params,
    });
    expect(answer.JobId).toMatch(/^j-[a-z0-9]{20}$/);
    return answer.JobId;
  }

  async job(jobId: string): Promise<Body> {
    const answer = await this.smc.call("DescribeReplicationJobs", { "JobId.1": jobId });
    expect(answer.TotalCount).toBe(1);
    return answer.ReplicationJobs.ReplicationJob[0];
  }

  /** A job on a fresh source, brought to `state` by moving emulated time. */
  async jobIn(state: JobState): Promise<string> {
    const jobId =
      state === "Waiting"
        ? await this.create({ RunOnce: false, Frequency: 168, MaxNumberOfImageToKeep: 2 })
        : state === "Expired"
          ? await this.create({ ValidTime: wireTime(this.emulator.clock.now() + 7 * DAY + HOUR) })
          : await this.create();
    if (state === "Ready") return jobId;
    if (state === "Expired") {
      this.emulator.advanceClock(7 * DAY + 2 * HOUR);
      expect((await this.job(jobId)).Status).toBe("Expired");
      return jobId;
    }
    if (state === "InError") this.emulator.setFaults({ jobErrorRate: 1 });
    await this.smc.call("StartReplicationJob", { JobId: jobId });
    if (state === "InError") this.emulator.setFaults({ jobErrorRate: 0 });
    // Preparing lasts 3–7 emulated minutes and Syncing of 100 GiB well over 50.
    this.emulator.advanceClock(
      state === "Preparing"
        ? MINUTE
        : state === "Syncing" || state === "Stopped"
          ? 10 * MINUTE
          : DAY,
    );
    if (state === "Stopped") await this.smc.call("StopReplicationJob", { JobId: jobId });
    const current = await this.job(jobId);
    const expected = state === "Preparing" || state === "Syncing" ? "Running" : state;
    expect(current.Status).toBe(expected);
    if (expected === "Running") expect(current.BusinessStatus).toBe(state);
    return jobId;
  }

  async reset(): Promise<void> {
    this.emulator.reset();
    this.emulator.setFaults({
      internalErrorRate: 0,
      throttlingRate: 0,
      jobErrorRate: 0,
      latencyMs: 0,
    });
    this.#next = 0;
    const all: Body[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.smc.call("DescribeSourceServers", {
        PageSize: 50,
        PageNumber: page,
      });
      all.push(...answer.SourceServers.SourceServer);
      if (all.length >= answer.TotalCount) break;
    }
    this.sourceIds = all.filter((s) => s.State === "Available").map((s) => s.SourceId);
    this.offlineId = all.find((s) => s.Name === "offline-01").SourceId;
  }
}

/** Registers the hooks of a conformance file and returns its fixture. */
export function useConformanceEmulator(): ConformanceFixture {
  const fixture = new ConformanceFixture();
  beforeAll(async () => {
    fixture.emulator = await startEmulator({ sourceList: CONFORMANCE_SOURCES, seed: 7 });
    fixture.smc = popClient(fixture.emulator);
  });
  afterAll(() => fixture.emulator.close());
  beforeEach(() => fixture.reset());
  return fixture;
}
