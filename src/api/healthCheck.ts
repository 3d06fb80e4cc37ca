import type { Redis } from "ioredis";
import type { SmcClient } from "../smc/client.ts";
import { classify, isSmcError } from "../smc/errors.ts";

export interface HealthState {
  redis: boolean;
  smc: boolean;
}

export interface HealthCheckOptions {
  /** A request-path connection (fails fast while Redis is away). */
  redis: Pick<Redis, "ping">;
  /** Every configured account's client; SMC is healthy when all of them reach the service. */
  clients: readonly Pick<SmcClient, "describeReplicationJobs">[];
  /** Epoch ms, for the cache. */
  now: () => number;
  /** Probes within this long reuse the last answer, so a busy prober does not spend SMC calls. @default 10_000 */
  cacheMs?: number;
  /** Each probe's bound, ms. @default 3_000 */
  timeoutMs?: number;
}

/**
 * `/healthz`'s probe: Redis answers PING, and every account's SMC endpoint answers a one-item
 * `DescribeReplicationJobs`. The service answering with one of its own refusals (throttling, a
 * permission error) still counts as reachable; a network failure or a 5xx does not.
 */
export function createHealthCheck(options: HealthCheckOptions): () => Promise<HealthState> {
  const cacheMs = options.cacheMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 3_000;
  let last: { at: number; state: Promise<HealthState> } | undefined;

  const probeRedis = async () => {
    try {
      return (await withTimeout(options.redis.ping(), timeoutMs)) === "PONG";
    } catch {
      return false;
    }
  };
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

  return () => {
    const now = options.now();
    if (!last || now - last.at >= cacheMs) {
      const state = Promise.all([probeRedis(), Promise.all(options.clients.map(probeSmc))]).then(
        ([redis, smc]) => ({ redis, smc: smc.every(Boolean) }),
      );
      last = { at: now, state };
    }
    return last.state;
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
