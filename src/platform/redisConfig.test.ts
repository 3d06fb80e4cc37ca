import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";
import { describeRedis } from "./redisConfig.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-redis-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(yaml: string | undefined, env: Record<string, string> = {}) {
  if (yaml !== undefined) await writeFile(join(dir, "c.yaml"), yaml);
  return loadConfig({ ...(yaml !== undefined ? { file: "c.yaml" } : {}), env, cwd: dir });
}

async function problems(yaml: string | undefined, env: Record<string, string> = {}) {
  try {
    await load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("redis config: where Redis is", () => {
  it("reads a Sentinel set from the file, nodes as host:port or mappings, secrets from the environment", async () => {
    const { config } = await load(
      [
        "redis:",
        '  sentinels: ["10.0.0.1:26379", { host: sentinel-b.internal, port: 26380 }, "[fd00::3]:26379"]',
        "  masterName: smc-primary",
        "  username: smc-waves",
        '  prefix: "{dc1}"',
      ].join("\n"),
      { SMC_WAVES_REDIS_PASSWORD: "data-pw", SMC_WAVES_REDIS_SENTINEL_PASSWORD: "sentinel-pw" },
    );
    expect(config.redis).toEqual({
      mode: "sentinel",
      sentinels: [
        { host: "10.0.0.1", port: 26379 },
        { host: "sentinel-b.internal", port: 26380 },
        { host: "fd00::3", port: 26379 },
      ],
      masterName: "smc-primary",
      username: "smc-waves",
      password: "data-pw",
      sentinelPassword: "sentinel-pw",
      prefix: "{dc1}",
    });
    expect(describeRedis(config.redis)).toBe(
      'sentinel master "smc-primary" via 10.0.0.1:26379,sentinel-b.internal:26380,fd00::3:26379',
    );
  });

  it("reads a Cluster's seed nodes from one environment variable", async () => {
    const { config, warnings } = await load(undefined, {
      SMC_WAVES_REDIS_CLUSTER: "10.0.1.1:7000, 10.0.1.2:7000,10.0.1.3:7000",
      SMC_WAVES_REDIS_PASSWORD: "pw",
    });
    expect(warnings).toEqual([]);
    expect(config.redis).toEqual({
      mode: "cluster",
      nodes: [
        { host: "10.0.1.1", port: 7000 },
        { host: "10.0.1.2", port: 7000 },
        { host: "10.0.1.3", port: 7000 },
      ],
      password: "pw",
      prefix: "{smc-waves}",
    });
    expect(describeRedis(config.redis)).toBe(
      "cluster via 10.0.1.1:7000,10.0.1.2:7000,10.0.1.3:7000",
    );
  });

  it("lets the environment move a deployment from the file's URL to sentinels, and back", async () => {
    const toSentinels = await load("redis: { url: redis://10.0.0.9:6379 }", {
      SMC_WAVES_REDIS_SENTINELS: "10.0.0.1:26379,10.0.0.2:26379",
      SMC_WAVES_REDIS_MASTER_NAME: "mymaster",
    });
    expect(toSentinels.config.redis).toMatchObject({ mode: "sentinel", masterName: "mymaster" });
    const toUrl = await load(
      "redis: { sentinels: [a:26379], masterName: mymaster, prefix: '{p}' }",
      { SMC_WAVES_REDIS_URL: "redis://10.0.0.9:6379" },
    );
    expect(toUrl.config.redis).toEqual({
      mode: "standalone",
      url: "redis://10.0.0.9:6379",
      prefix: "{p}",
    });
  });

  it("refuses two deployments in the file, or sentinels without a master name, at file:line:col", async () => {
    expect(
      await problems(
        ["redis:", "  url: redis://10.0.0.9:6379", "  cluster:", "    - 10.0.1.1:7000"].join("\n"),
      ),
    ).toEqual([
      "c.yaml:4:5: redis.cluster: give one of redis.url, redis.sentinels and redis.cluster, not several (redis.url is set too)",
    ]);
    expect(await problems("redis:\n  sentinels: [10.0.0.1:26379]\n")).toEqual([
      'c.yaml:2:3: redis.masterName: is required with redis.sentinels: the name the sentinels monitor ("sentinel monitor <name> …"), such as "mymaster"',
    ]);
    expect(await problems("redis:\n  masterName: mymaster\n")).toEqual([
      "c.yaml:2:15: redis.masterName: is only used with redis.sentinels; remove it or list the sentinels",
    ]);
    expect(
      await problems(undefined, {
        SMC_WAVES_REDIS_URL: "redis://a:6379",
        SMC_WAVES_REDIS_CLUSTER: "b:7000",
      }),
    ).toEqual([
      "environment SMC_WAVES_REDIS_CLUSTER: redis.cluster: give one of redis.url, redis.sentinels and redis.cluster, not several (redis.url is set too)",
    ]);
  });

  it("points at a bad node, a misspelt key and a password in the file", async () => {
    const found = await problems(
      [
        "redis:",
        "  sentinels:",
        "    - 10.0.0.1",
        "    - { hostt: 10.0.0.2, port: 26379 }",
        "    - { host: 10.0.0.3, port: 99999 }",
        "  masterName: mymaster",
        "  password: hunter2",
      ].join("\n"),
    );
    expect(found).toEqual([
      'c.yaml:3:7: redis.sentinels.0: expected "host:port" such as "10.0.0.1:26379", got "10.0.0.1"',
      "c.yaml:4:7: redis.sentinels.1.host: is required",
      'c.yaml:4:9: redis.sentinels.1.hostt: unknown key "hostt"; did you mean "host"?',
      "c.yaml:5:31: redis.sentinels.2.port: expected at most 65535, got 99999",
      'c.yaml:7:3: redis.password: unknown key "password"; secrets never go in this file: the Redis password comes from SMC_WAVES_REDIS_PASSWORD, the sentinels\' from SMC_WAVES_REDIS_SENTINEL_PASSWORD',
    ]);
    expect(found.join("\n")).not.toContain("hunter2");
  });

  it("names the variable for a bad node in a list it set, and an empty list", async () => {
    expect(
      await problems(undefined, {
        SMC_WAVES_REDIS_SENTINELS: "10.0.0.1:26379,10.0.0.2",
        SMC_WAVES_REDIS_MASTER_NAME: "m",
      }),
    ).toEqual([
      'environment SMC_WAVES_REDIS_SENTINELS: redis.sentinels.1: expected "host:port" such as "10.0.0.1:26379", got "10.0.0.2"',
    ]);
    expect(await problems("redis: { cluster: [] }")).toEqual([
      "c.yaml:1:19: redis.cluster: expected at least 1, got a list",
    ]);
  });

  it("knows the password variables: no unknown-variable warning, never part of a message", async () => {
    const { warnings } = await load(undefined, {
      SMC_WAVES_REDIS_PASSWORD: "x",
      SMC_WAVES_REDIS_SENTINEL_PASSWORD: "y",
    });
    expect(warnings).toEqual([]);
    expect(
      describeRedis(
        (await load(undefined, { SMC_WAVES_REDIS_URL: "redis://:s3cret@h:6379" })).config.redis,
      ),
    ).toBe("redis://:***@h:6379");
  });
});
