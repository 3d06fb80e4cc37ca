import type { Cutover, WaveWindow } from "../plan/compiledPlan.ts";

/**
 * What the forecast answers, and what it is given. Times in the answer are ISO 8601 world times;
 * inside the engine they are epoch ms.
 */

export interface Quantiles {
  p50: string;
  p90: string;
}

/**
 * Where a job's length comes from: `fixedMsPerJob` + bytes ÷ `bytesPerSecond`, times a draw of
 * mean 1 and `spread`.
 */
export interface Throughput {
  bytesPerSecond: number;
  /** Coefficient of variation of one job's rate (0.15: most jobs within ±30 %). */
  spread: number;
  source: "configured" | "learned" | "default";
  learnedFromJobs: number;
  /** Learned: what every job takes whatever its size (preparing, image, clean-up), ms. */
  fixedMsPerJob: number;
}

export interface PlanForecast {
  planId?: string;
  seed: number;
  samples: number;
  /** The moment the forecast starts from. */
  asOf: string;
  throughput: Throughput;
  finish: Quantiles;
  waves: { name: string; start: Quantiles; finish: Quantiles; criticalServers: string[] }[];
  /** This plan's jobs over time in the median run: each step change. */
  quotaUse: { at: string; jobs: number }[];
  /** The median run's jobs, of the servers not yet ended. */
  jobs: {
    wave: string;
    server: string;
    create: string;
    start: string;
    finish: string;
    cutover?: string;
    end: string;
  }[];
  /** What the forecast took for granted (gates, manual cut-overs, other users of the quota). */
  assumptions: string[];
}

/** Where one server stands when the forecast starts. */
type ServerPhase =
  | { kind: "pending" }
  /** Holds its slot; its job is being created (or exists but is not started yet). */
  | { kind: "creating"; since: number }
  /** Its job runs: `progress` is the service's Progress (0–100). */
  | { kind: "running"; startedAt: number; progress: number }
  /** An incremental server in sync, waiting for its cut-over. */
  | { kind: "syncing"; since: number }
  /** Its cut-over (and final sync) runs. */
  | { kind: "cutting-over"; since: number };

export interface ForecastServer {
  /** The name a person knows it by (source name, else the plan's key). */
  label: string;
  sizeBytes: number;
  /** `runOnce: false`: it holds its slot after the first image until its cut-over. */
  incremental: boolean;
  phase: ServerPhase;
}

export interface ForecastWave {
  name: string;
  window?: WaveWindow;
  notBefore?: number;
  cutover?: Cutover;
  /** When the wave's gate counts as approved; absent: no gate, or approved. */
  gateOpensAt?: number;
  /** Set once the wave started (from its record). */
  startedAt?: number;
  /** Set once the wave ended: nothing of it is simulated. */
  finishedAt?: number;
  /** Servers not ended, in start order. */
  servers: ForecastServer[];
}

export interface ForecastSetup {
  planId?: string;
  /** The moment the forecast starts from, epoch ms. */
  now: number;
  waves: ForecastWave[];
  /** Slots the plan may hold: min(maxJobs, account quota − slots others hold). */
  capacity: number;
  /** The account's cap on jobs running at once. */
  maxRunningJobs?: number;
  /** The plan's poll interval in world ms: the time it takes to notice a finish. */
  pollIntervalMs: number;
  throughput: Throughput;
  seed: number;
  samples: number;
  assumptions: string[];
}

/** What a caller may choose of a forecast the daemon makes; the rest comes from its state. */
export interface ForecastRequest {
  seed?: number;
  samples?: number;
  /** When gates not yet approved count as approved (epoch ms); now when absent. */
  gatesApprovedAt?: number;
}
