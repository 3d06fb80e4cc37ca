import type { Queue } from "bullmq";
import type { Logger } from "pino";
import type { Clock } from "../platform/clock.ts";
import type { MigrationEvents } from "../platform/events.ts";
import type { SmcClient } from "../smc/client.ts";
import type { RetryPolicy } from "../smc/retry.ts";
import type { SmcHealth } from "./smcHealth.ts";
import type { JobTracking } from "./store/jobTracking.ts";
import type { MigrationStore } from "./store/migrationStore.ts";
import type { QuotaLedger } from "./store/quotaLedger.ts";
import type { ServerStore } from "./store/serverStore.ts";
import type { WakeRequests } from "./store/wakeRequests.ts";

/** One SMC account smc-waves works in. Quota and running cap are settings, never constants. */
export interface Account {
  client: SmcClient;
  /** Replication jobs the account may hold, every status counted. @default 100 */
  quota: number;
  /** Jobs running at once; absent when the account has no cap. */
  maxRunningJobs?: number;
  /** Bytes one job copies per second, as configured; absent: learned, else a default. */
  throughputBytesPerSecond?: number;
}

/** An account as the orchestrator runs it: with what its calls tell of the endpoint's health. */
export interface AccountRuntime extends Account {
  health: SmcHealth;
}

export interface OrchestratorSettings {
  /** How often the batch poller asks the service about tracked jobs, real ms. */
  pollIntervalMs: number;
  /**
   * The longest a tracked job goes unasked about, real ms: the sweep that notices InError, Stopped
   * or a job deleted outside smc-waves whatever its predicted finish. Between sweeps a job is asked
   * about when due: soon after its start or a change, near its predicted finish.
   */
  sweepIntervalMs: number;
  /** How often the ledger is rebuilt from the service's list of jobs, real ms. */
  reconcileIntervalMs: number;
  /** Server jobs one daemon processes at once; parked jobs do not count. */
  concurrency: number;
  /**
   * BullMQ's lock on an active job, real ms: well above the slowest step (a few API calls of at most
   * the client timeout each). A daemon that dies holding a job gives it up after this long.
   */
  lockDurationMs: number;
  /** How often each worker looks for jobs whose lock expired (their daemon died), real ms. */
  stalledIntervalMs: number;
  /** How long a quota reservation lives before its job must exist, real ms. */
  reservationLeaseMs: number;
  /** Completed BullMQ jobs kept for the dashboard. */
  keepCompleted: { ageMs: number; count: number };
  keepFailed: { ageMs: number };
  retry: RetryPolicy;
}

/** Everything the processors need, built once by `startOrchestrator`. */
export interface OrchestratorContext {
  prefix: string;
  /** Plans and waves. */
  store: MigrationStore;
  /** Servers, and each wave's counts, queue and in-flight index. */
  servers: ServerStore;
  ledger: QuotaLedger;
  tracking: JobTracking;
  wakes: WakeRequests;
  accounts: ReadonlyMap<string, AccountRuntime>;
  /** The world's time: history, windows, notBefore, ValidTime. The emulator's scaled clock in tests. */
  clock: Clock;
  /** Real time, for what BullMQ and Redis leases measure: reservation leases, audits, demand age. */
  realClock: Clock;
  random: () => number;
  events: MigrationEvents;
  logger: Logger;
  settings: OrchestratorSettings;
  queues: { plans: Queue; servers: Queue; control: Queue };
}
