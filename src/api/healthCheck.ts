import type { RedisState, RedisStatus } from "../platform/redisHealth.ts";
import type { SmcClient } from "../smc/client.ts";
import { classify, isSmcError } from "../smc/errors.ts";

/** The daemon's workers: waiting for Redis at boot, taking work, or draining at shutdown. */
export type WorkersStatus = "starting" | "running" | "stopping";

/**
 * What `/healthz` and `/readyz` answer. `/healthz` is liveness: 200 whenever the process serves
 * HTTP, `status` saying whether anything it depends on is away. `/readyz` is readiness: 200 only
 * while `ready`, that is Redis answers and the workers run; SMC being away does not make a daemon
 * unready (every daemon shares the same endpoint, and the API still serves).
 */
export interface HealthReport {
  status: "ok" | "degraded";
  ready: boolean;
  redis: { status: RedisStatus; since: string; cause?: string };
  /** Every account's SMC endpoint answered its last probe. */
  smc: boolean;
  workers: WorkersStatus;
}

export interface HealthCheckOptions {
  /** The Redis health tracker's current state. */
  redis: () => RedisState;
  workers: () => WorkersStatus;
  /** Every configured account's client; SMC is healthy when all of them reach the service. */
  clients: readonly Pick<SmcClient, "describeReplicationJobs">[];
  /** Epoch ms, for the cache. */
  now: () => number;
  /** SMC probes within this long reuse the last answer, so a busy prober does not spend SMC calls. @default 10_000 */
  cacheMs?: number;
  /** Each SMC probe's bound, ms. @default 3_000 */
  timeoutMs?: number;
}

/**
 * The probes' answer: Redis and workers from the daemon's own state (no I/O), SMC from a one-item
 * `DescribeReplicationJobs` per account. The service answering with one of its own refusals
 * (throttling, a permission error) still counts as reachable; a network failure or a 5xx does not.
 */
export function createHealthCheck(options: HealthCheckOptions): () => Promise<HealthReport> {
  const cacheMs = options.cacheMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 3_000;
  let last: { at: number; smc: Promise<boolean> } | undefined;

  const probeSmc = async (client: Pick<SmcClient, "describeReplicationJobs">) => {
    try {
      await client.describeReplicationJobs(
        { pageSize: 1 },
        { signal: AbortSignal.timeout(timeoutMs) },
      );
      return true;
    } catch (error) {
      return isSmcError(error) && classify(error) !== "transient";
    }
  };

  return async () => {
    const now = options.now();
    if (!last || now - last.at >= cacheMs) {
      const smc = Promise.all(options.clients.map(probeSmc)).then((all) => all.every(Boolean));
      last = { at: now, smc };
    }
    const smc = await last.smc;
    const redisState = options.redis();
    const workers = options.workers();
    const redisUp = redisState.status === "reachable";
    return {
      status: redisUp && smc ? "ok" : "degraded",
      ready: redisUp && workers === "running",
      redis: {
        status: redisState.status,
        since: new Date(redisState.since).toISOString(),
        ...(redisState.cause === undefined ? {} : { cause: redisState.cause }),
      },
      smc,
      workers,
    };
  };
}
