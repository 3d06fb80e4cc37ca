import type { ServerStatus, WaveStatus } from "../lifecycle/statuses.ts";
import type { Opening } from "../scheduler/windowOpenings.ts";

/** What the timeline route answers: one wave's jobs over time (see waveTimeline.ts). */

/**
 * One replication job of a server as it happened, for the timeline: every time is epoch ms, world
 * time, absent until it happened. A server has several when a retry made it a new job.
 */
export interface JobBar {
  /** The server's name, else its plan key. */
  server: string;
  jobId: string;
  /** How this job's server stands or ended: the server's status for its current job. */
  status: ServerStatus;
  /** When smc-waves created (or found and adopted) the job. */
  created: number;
  /** When StartReplicationJob was accepted (the first time, restarts aside). */
  started?: number;
  /** When the job finished: the service's EndTime, else when its server ended. */
  finished?: number;
  /** When CutOverReplicationJob was accepted (incremental servers). */
  cutover?: number;
  /** When the job was deleted (its quota slot freed); absent while it exists or when kept. */
  deleted?: number;
}

/** A job the forecast expects, of a server not ended yet (its median run); epoch ms. */
interface ForecastBar {
  server: string;
  created: number;
  started: number;
  finished: number;
  cutover?: number;
  deleted: number;
}

/** Everything the view draws for one wave: epoch ms, world time. */
export interface WaveTimeline {
  planId: string;
  wave: string;
  status: WaveStatus;
  now: number;
  /** The times the picture covers: the wave's first job (or now) to the later of now and its end. */
  from: number;
  to: number;
  /** Openings of the wave's window in the span (absent: no window). */
  windows?: Opening[];
  /** Openings of its cut-over window in the span (absent: no cut-over window). */
  cutoverWindows?: Opening[];
  /** Jobs as they happened, by creation; in flight ones first when capped. */
  jobs: JobBar[];
  /** Servers with a job that were left out of `jobs` by the cap. */
  omitted: number;
  /** The live forecast of what has not run yet, while the plan runs. */
  forecast?: {
    asOf: number;
    start: { p50: number; p90: number };
    finish: { p50: number; p90: number };
    jobs: ForecastBar[];
  };
}
