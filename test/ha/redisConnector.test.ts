import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LuaScript } from "../../src/orchestrator/store/luaScript.ts";
import type { RedisConfig } from "../../src/platform/redisConfig.ts";
import {
  connectRedis,
  deleteKeysUnder,
  pingWhereKeysLive,
  type RedisClient,
} from "../../src/platform/redisConnector.ts";
import { inspectRedis } from "../../src/platform/redisPreflight.ts";
import { type RedisClusterHandle, startRedisCluster } from "./redisCluster.ts";
import { ask, missingRedisTools, waitFor } from "./redisProcesses.ts";
import { type SentinelSet, startSentinelSet } from "./sentinelSet.ts";

/**
 * The connector against real Sentinel and Cluster deployments, through planned failovers (the
 * kind an operator or a managed service does for maintenance: the old master stays up, demoted),
 * done the way docs/operations.md tells operators to. A worker connection must carry plain
 * writes, transactions and our Lua scripts across the switch: no acknowledged write lost, and no
 * error reaching the caller but one. A MULTI/EXEC whose connection closes before its answer fails
 * with ioredis's AbortError, since nobody can know whether it ran; the caller retries (our steps
 * are idempotent), so it is counted as "may have happened".
 */

const PASSWORD = "connector-secret-51aa";
const PREFIX = "{smc-waves-connector}";
const INCREMENT = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

interface WriteLoad {
  stop(): Promise<{ acknowledged: number; uncertain: number; errors: string[] }>;
}

const ABORTED = "Command aborted due to connection close";

/** Writes in a loop (INCR, MULTI/EXEC, EVALSHA), counting what Redis acknowledged. */
function writeLoad(client: RedisClient, key: string): WriteLoad {
  let running = true;
  let acknowledged = 0;
  let uncertain = 0;
  const errors: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        await client.incr(key);
        acknowledged++;
        try {
          await client.multi().incr(key).exec();
          acknowledged++;
        } catch (error) {
          if (!(error instanceof Error && error.message === ABORTED)) throw error;
          uncertain++;
        }
        await INCREMENT.run(client, [key], [1]);
        acknowledged++;
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { acknowledged, uncertain, errors };
    },
  };
}

const missing = missingRedisTools();

describe.skipIf(missing !== undefined)(`the Redis connector on Sentinel ${missing ?? ""}`, () => {
  let set: SentinelSet;
  let config: RedisConfig;
  beforeAll(async () => {
    set = await startSentinelSet({ masterName: "connector", password: PASSWORD });
    config = {
      mode: "sentinel",
      sentinels: set.sentinels,
      masterName: "connector",
      password: PASSWORD,
      prefix: PREFIX,
    };
  }, 60_000);
  afterAll(() => set?.close());

  it("carries writes through a paused SENTINEL FAILOVER and then talks to the new master", async () => {
    const worker = connectRedis(config, "worker", { name: "connector-test" });
    const request = connectRedis(config, "request", { name: "connector-test-request" });
    worker.on("error", () => {});
    request.on("error", () => {});
    try {
      const key = `${PREFIX}:planned`;
      const load = writeLoad(worker, key);
      await waitFor(
        async () => Number(await worker.get(key)) > 100,
        20_000,
        () => "no writes",
      );
      const old = await set.master();
      const next = await set.plannedFailover(30_000);
      // Writes keep going for a while on the new master before the tally.
      const atSwitch = Number(await worker.get(key));
      await waitFor(
        async () => Number(await worker.get(key)) > atSwitch + 100,
        20_000,
        () => "no writes after the failover",
      );
      const { acknowledged, uncertain, errors } = await load.stop();

      expect(errors).toEqual([]);
      const value = Number(await worker.get(key));
      expect(value).toBeGreaterThanOrEqual(acknowledged);
      expect(value).toBeLessThanOrEqual(acknowledged + uncertain);
      // The old master, alive and demoted, is not where either connection now talks.
      await waitFor(
        async () => (await pingWhereKeysLive(request, PREFIX).catch(() => "")) === "PONG",
        20_000,
        () => "the request connection never reached the new master",
      );
      expect(await set.replicationField(next.port, "role")).toBe("master");
      for (const client of [worker, request]) {
        const info = String(await client.info("replication"));
        expect(info).toMatch(/^role:master\r?$/m);
      }
      // Healthy again for the next test: the old master now a replica in sync.
      await set.waitForReplica(old.port, 30_000);
    } finally {
      worker.disconnect();
      request.disconnect();
    }
  }, 60_000);

  it("keeps every connection usable through a master killed outright", async () => {
    // Many connections, as a daemon holds (workers, queues, their blocking duplicates): each one
    // reconnecting while the sentinels announce the new master is a chance to lose it for good.
    const clients = Array.from({ length: 24 }, (_, i) =>
      connectRedis(config, "worker", { name: `connector-test-${i}` }),
    );
    for (const client of clients) client.on("error", () => {});
    try {
      const key = `${PREFIX}:killed`;
      await Promise.all(clients.map((client) => client.incr(key)));
      const loads = clients.map((client) => writeLoad(client, key));
      const killed = await set.killMaster();
      await set.waitForNewMaster(killed, 30_000);
      const atFailover = Number(await clients[0]?.get(key));
      await waitFor(
        async () => Number(await clients[0]?.get(key)) > atFailover + 100,
        20_000,
        () => "no writes after the failover",
      );
      const results = await Promise.all(loads.map((load) => load.stop()));
      expect(results.flatMap((result) => result.errors)).toEqual([]);
      // Every one of them still works (none was left "end"ed by a failover notice).
      const answers = await Promise.all(
        clients.map((client) =>
          Promise.race([
            client.incr(key).then(() => client.status),
            new Promise((resolve) => setTimeout(() => resolve("no answer in 20 s"), 20_000)),
          ]),
        ),
      );
      expect(answers).toEqual(clients.map(() => "ready"));
      await set.restart(killed);
      await set.waitForReplica(killed, 30_000);
    } finally {
      for (const client of clients) client.disconnect();
    }
  }, 120_000);

  // Last: it leaves the master without a replica.
  it("finds an evicting master and, once its replica is gone, a master with nothing to promote", async () => {
    const client = connectRedis(config, "worker");
    client.on("error", () => {});
    try {
      expect(await inspectRedis(client, PREFIX)).toEqual([]);
      const { port } = await set.master();
      await ask(port, PASSWORD, "CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
      await set.killReplicas();
      await waitFor(
        async () => (await set.replicationField(port, "connected_slaves")) === "0",
        20_000,
        () => "the master never noticed its replica was gone",
      );
      expect(await inspectRedis(client, PREFIX)).toEqual([
        {
          node: 'the master "connector"',
          message: expect.stringMatching(
            /^maxmemory-policy is allkeys-lru: .* set it to noeviction$/,
          ),
        },
        {
          node: 'the master "connector"',
          message: expect.stringMatching(/^this master has no connected replica: /),
        },
      ]);
    } finally {
      client.disconnect();
    }
  });
});

describe.skipIf(missing !== undefined)(`the Redis connector on Cluster ${missing ?? ""}`, () => {
  let cluster: RedisClusterHandle;
  let config: RedisConfig;
  beforeAll(async () => {
    cluster = await startRedisCluster({ password: PASSWORD });
    config = {
      mode: "cluster",
      nodes: cluster.nodes.slice(0, 1),
      password: PASSWORD,
      prefix: PREFIX,
    };
  }, 60_000);
  afterAll(() => cluster?.close());

  it("carries writes through CLUSTER FAILOVER of our slot's master", async () => {
    const worker = connectRedis(config, "worker", { name: "connector-test" });
    worker.on("error", () => {});
    try {
      const key = `${PREFIX}:planned`;
      const load = writeLoad(worker, key);
      await waitFor(
        async () => Number(await worker.get(key)) > 100,
        20_000,
        () => "no writes",
      );
      const oldMaster = await cluster.masterOf(PREFIX);
      const newMaster = await cluster.plannedFailoverOf(PREFIX, 30_000);
      const atSwitch = Number(await worker.get(key));
      await waitFor(
        async () => Number(await worker.get(key)) > atSwitch + 100,
        20_000,
        () => "no writes after the failover",
      );
      const { acknowledged, uncertain, errors } = await load.stop();

      expect(newMaster).not.toBe(oldMaster);
      expect(errors).toEqual([]);
      const value = Number(await worker.get(key));
      expect(value).toBeGreaterThanOrEqual(acknowledged);
      expect(value).toBeLessThanOrEqual(acknowledged + uncertain);
      expect(await pingWhereKeysLive(worker, PREFIX)).toBe("PONG");
    } finally {
      worker.disconnect();
    }
  }, 60_000);

  it("finds a node, replicas included, whose eviction policy could drop our keys", async () => {
    const client = connectRedis(config, "worker");
    client.on("error", () => {});
    try {
      expect(await inspectRedis(client, PREFIX)).toEqual([]);
      const replica = (await cluster.topology()).find((node) => node.role === "replica");
      if (!replica) throw new Error("no replica in the cluster");
      await cluster.ask(replica.port, "CONFIG", "SET", "maxmemory-policy", "volatile-lru");
      try {
        expect(await inspectRedis(client, PREFIX)).toEqual([
          {
            node: `127.0.0.1:${replica.port}`,
            message: expect.stringMatching(/^maxmemory-policy is volatile-lru: /),
          },
        ]);
      } finally {
        await cluster.ask(replica.port, "CONFIG", "SET", "maxmemory-policy", "noeviction");
      }
    } finally {
      client.disconnect();
    }
  });

  it("deletes every key under a prefix on whichever master holds it, and nothing else", async () => {
    const client = connectRedis(config, "worker");
    client.on("error", () => {});
    try {
      // Hash tags spread over the three masters: a SCAN of one node would miss most of them.
      const prefixes = Array.from({ length: 9 }, (_, i) => `{connector-delete-${i}}`);
      const masters = new Set(await Promise.all(prefixes.map((p) => cluster.masterOf(p))));
      expect(masters.size).toBeGreaterThan(1);
      for (const prefix of prefixes) {
        await client.mset(`${prefix}:a`, "1", `${prefix}:b`, "2", `${prefix}x:keep`, "3");
      }
      await client.set("{connector-delete-0-other}:keep", "4");

      for (const prefix of prefixes) await deleteKeysUnder(client, `${prefix}:`);

      for (const prefix of prefixes) {
        expect(await client.exists(`${prefix}:a`, `${prefix}:b`)).toBe(0);
        expect(await client.get(`${prefix}x:keep`)).toBe("3");
      }
      expect(await client.get("{connector-delete-0-other}:keep")).toBe("4");
    } finally {
      client.disconnect();
    }
  });

  // Last: it takes a whole shard down. BullMQ resets a worker's blocking connection by
  // disconnect() and connect(); made while the cluster is down, that connect() must still settle,
  // or the worker never fetches a job again.
  it("lets a connect() made while the cluster is down settle, and serves commands once it is back", async () => {
    const probe = connectRedis(config, "request", { name: "connector-test-health" });
    probe.on("error", () => {});
    // A request connection refuses commands until it is connected, rather than queueing them.
    await waitFor(
      async () => (await pingWhereKeysLive(probe, PREFIX).catch(() => "")) === "PONG",
      20_000,
      () => "the health probe never connected",
    );
    const shard = await cluster.killShardOf(PREFIX);
    const client = connectRedis(config, "worker", { lazyConnect: true });
    client.on("error", () => {});
    try {
      // /healthz's probe says so within its 3 s bound instead of waiting for the cluster.
      const startedAt = Date.now();
      await expect(pingWhereKeysLive(probe, PREFIX)).rejects.toThrow();
      expect(Date.now() - startedAt).toBeLessThan(3_000);
      const connected = client.connect().then(
        () => "settled",
        () => "settled",
      );
      const written = client.set(`${PREFIX}:after-outage`, "1");
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      for (const port of shard) await cluster.restart(port);
      const deadline = new Promise((resolve) => setTimeout(() => resolve("pending"), 20_000));
      expect(await Promise.race([connected, deadline])).toBe("settled");
      expect(await written).toBe("OK");
      expect(await client.get(`${PREFIX}:after-outage`)).toBe("1");
      await waitFor(
        async () => (await pingWhereKeysLive(probe, PREFIX).catch(() => "")) === "PONG",
        20_000,
        () => "the health probe never saw the cluster back",
      );
    } finally {
      client.disconnect();
      probe.disconnect();
    }
  }, 60_000);
});
