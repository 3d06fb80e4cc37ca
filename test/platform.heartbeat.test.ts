import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { liveDaemons, startHeartbeat } from "../src/platform/daemonHeartbeat.ts";
import { isolatedRedis, REDIS_URL } from "./support/redisPrefix.ts";
import { until } from "./support/until.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe("daemon heartbeat", () => {
  it("is there soon after Redis answers even when its first beat found the connection not ready", async () => {
    const { redis: reader, prefix, cleanup } = await isolatedRedis();
    cleanups.push(cleanup);
    // The daemon's request connection: fail-fast, so a command before it has connected fails.
    const failFast = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    failFast.on("error", () => {});
    const presence = { pid: 1, host: "test", startedAt: 0 };
    // An interval far longer than the test: only a retry of the failed first beat can write it.
    const heartbeat = startHeartbeat({ redis: failFast, prefix, presence, intervalMs: 600_000 });
    cleanups.push(async () => {
      await heartbeat.stop();
      failFast.disconnect();
    });
    expect(failFast.status).not.toBe("ready");
    expect(
      await until(
        "the heartbeat",
        () => liveDaemons(reader, prefix),
        (l) => l.length > 0,
        10_000,
      ),
    ).toEqual([presence]);
    await heartbeat.stop();
    expect(await liveDaemons(reader, prefix)).toEqual([]);
  });
});
