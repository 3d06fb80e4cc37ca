import { describe, expect, it } from "vitest";
import { mergeFamilies } from "./metrics.ts";

const queueText = (queue: string, waiting: number) =>
  [
    "# HELP bullmq_job_count Number of jobs in the queue by state",
    "# TYPE bullmq_job_count gauge",
    `bullmq_job_count{queue="${queue}", state="waiting"} ${waiting}`,
    "# HELP bullmq_job_completed_total Total number of completed jobs",
    "# TYPE bullmq_job_completed_total counter",
    `bullmq_job_completed_total{queue="${queue}"} 3`,
  ].join("\n");

describe("mergeFamilies", () => {
  it("groups every queue's samples under one HELP and TYPE per family", () => {
    expect(mergeFamilies([queueText("plans", 1), queueText("servers", 2)]).split("\n")).toEqual([
      "# HELP bullmq_job_count Number of jobs in the queue by state",
      "# TYPE bullmq_job_count gauge",
      'bullmq_job_count{queue="plans", state="waiting"} 1',
      'bullmq_job_count{queue="servers", state="waiting"} 2',
      "# HELP bullmq_job_completed_total Total number of completed jobs",
      "# TYPE bullmq_job_completed_total counter",
      'bullmq_job_completed_total{queue="plans"} 3',
      'bullmq_job_completed_total{queue="servers"} 3',
      "",
    ]);
  });

  it("gives nothing for no queues or empty exports", () => {
    expect(mergeFamilies([])).toBe("");
    expect(mergeFamilies(["", ""])).toBe("");
  });
});
