import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ensureRedis, RedisUnavailableError } from "../src/platform/privateRedis.ts";
import { pingRedis } from "../src/platform/redis.ts";
import { freePort } from "./support/redisServer.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-redis-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A URL on a port nothing listens on. */
async function deadUrl(): Promise<string> {
  return `redis://127.0.0.1:${await freePort()}`;
}

describe("ensureRedis", () => {
  it("uses a Redis that answers, and does not stop it", async () => {
    const handle = await ensureRedis({
      url: "redis://127.0.0.1:6379",
      dataDir: dir,
      env: process.env,
    });
    expect(handle).toMatchObject({ url: "redis://127.0.0.1:6379", private: false });
    await handle.stop();
    expect(await pingRedis("redis://127.0.0.1:6379")).toBe(true);
  });

  it("starts a private redis-server with AOF and noeviction, adopts it again, and stops it", async () => {
    const dataDir = join(dir, ".data", "redis");
    const handle = await ensureRedis({ url: await deadUrl(), dataDir, env: process.env });
    expect(handle.private).toBe(true);
    expect(handle.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);

    const client = new Redis(handle.url);
    try {
      expect(await client.call("CONFIG", "GET", "maxmemory-policy")).toEqual([
        "maxmemory-policy",
        "noeviction",
      ]);
      expect(await client.call("CONFIG", "GET", "appendonly")).toEqual(["appendonly", "yes"]);
      expect(await client.call("CONFIG", "GET", "bind")).toEqual(["bind", "127.0.0.1"]);
      expect(await client.call("CONFIG", "GET", "dir")).toEqual(["dir", dataDir]);
      await client.set("k", "v");
    } finally {
      client.disconnect();
    }
    expect(existsSync(join(dataDir, "appendonlydir"))).toBe(true);

    // As after a killed run: the next start finds the one still running and adopts it.
    const again = await ensureRedis({ url: await deadUrl(), dataDir, env: process.env });
    expect(again).toMatchObject({ url: handle.url, private: true });

    await handle.stop();
    expect(await pingRedis(handle.url)).toBe(false);
    await again.stop();
  });

  it("says how to get Redis when none answers and redis-server is not on PATH", async () => {
    const error = await ensureRedis({
      url: await deadUrl(),
      dataDir: dir,
      env: { PATH: dir },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toContain("sudo apt-get install -y redis-server");
    expect((error as Error).message).toContain("docker compose up -d redis");
    expect(existsSync(join(dir, "port"))).toBe(false);
  });

  it("never starts a private Redis in place of a remote one, and hides its password", async () => {
    const error = await ensureRedis({
      url: "redis://:hunter2@redis.invalid:6379",
      dataDir: dir,
      env: process.env,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toBe(
      "Redis does not answer at redis://:***@redis.invalid:6379. Check that it runs and is reachable from here, or point SMC_WAVES_REDIS_URL at one that is.",
    );
  });
});
