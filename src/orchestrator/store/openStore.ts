import type { Logger } from "pino";
import type { RedisClient } from "../../platform/redisConnector.ts";
import { JobTracking } from "./jobTracking.ts";
import { MigrationStore } from "./migrationStore.ts";
import { QuotaLedger } from "./quotaLedger.ts";
import { redisKeys } from "./redisKeys.ts";
import { ServerStore } from "./serverStore.ts";
import { WakeRequests } from "./wakeRequests.ts";

/**
 * The orchestrator's one store: every Redis key it owns, behind three faces. Nothing outside this
 * folder calls Redis for the orchestrator (BullMQ keeps its own keys under the same prefix).
 */
export interface Store {
  /** Plans and waves, their statuses (compare-and-set) and histories. */
  migrations: MigrationStore;
  /** Servers, their statuses and histories, and each wave's counts, queue and in-flight index. */
  servers: ServerStore;
  /** Quota slots, running slots, source locks and quota claims: atomic across daemons. */
  ledger: QuotaLedger;
  /** The jobs the poller watches, and when each is next due. */
  tracking: JobTracking;
  /** Wakes left for steps that were running when the wake came. */
  wakes: WakeRequests;
}

export function openStore(
  redis: RedisClient,
  prefix: string,
  logger: Logger,
  worldNow: () => number,
): Store {
  const keys = redisKeys(prefix);
  const storeLogger = logger.child({ component: "store" });
  return {
    migrations: new MigrationStore(redis, keys, storeLogger, worldNow),
    servers: new ServerStore(redis, keys, storeLogger, worldNow),
    ledger: new QuotaLedger(redis, keys),
    tracking: new JobTracking(redis, keys),
    wakes: new WakeRequests(redis, keys),
  };
}
