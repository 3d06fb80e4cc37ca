import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { liveDaemons } from "../src/platform/daemonHeartbeat.ts";
import { deleteKeysUnder } from "../src/platform/redisConnector.ts";
import { REDIS_URL } from "./support/redisPrefix.ts";
import { runCli, STACK_LINE } from "./support/runCli.ts";

/**
 * `npm start` (smc-waves quickstart) next to other daemons on one Redis: it never clears state
 * that is not its own, and says why instead. Each test uses its own prefix through SMC_WAVES_PREFIX.
 */

/** A quick start running in the background, as `npm start` in another terminal. */
class Quickstart {
  readonly #child: ChildProcess;
  #output = "";
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>) {
    this.#child = spawn(process.execPath, ["bin/smc-waves.js", "quickstart"], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.#output += chunk.toString("utf8");
    };
    this.#child.stdout?.on("data", keep);
    this.#child.stderr?.on("data", keep);
    this.exited = once(this.#child, "exit").then(([code]) => code as number | null);
  }

  get output(): string {
    return this.#output;
  }

  /** The migration view's URL from the banner, once printed. */
  async viewUrl(): Promise<string> {
    await expect
      .poll(() => /migration view: +(\S+)\//.exec(this.#output)?.[1], { timeout: 60_000 })
      .toBeDefined();
    return /migration view: +(\S+)\//.exec(this.#output)?.[1] ?? "";
  }

  /** Ctrl-C. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      this.#child.kill("SIGINT");
      // The first SIGINT ends the progress loop, a second one the "dashboards stay up" wait.
      setTimeout(() => this.#child.kill("SIGINT"), 1_000).unref();
    }
    await this.exited;
  }
}

let redis: Redis;
let dir: string;
const prefixes: string[] = [];
const running: Quickstart[] = [];

function prefix(): string {
  const name = `{test-qs-${randomUUID()}}`;
  prefixes.push(name);
  return name;
}

function quickstart(env: Record<string, string>): Quickstart {
  const started = new Quickstart(env);
  running.push(started);
  return started;
}

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  dir = await mkdtemp(join(tmpdir(), "smc-waves-qs-"));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((started) => started.stop()));
});
afterAll(async () => {
  for (const name of prefixes) await deleteKeysUnder(redis, name);
  redis.disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe("smc-waves quickstart next to other daemons", () => {
  it("a second one on the same prefix refuses (exit 2), naming the first one's API, and the first keeps its plan", {
    timeout: 120_000,
  }, async () => {
    const env = {
      SMC_WAVES_REDIS_URL: REDIS_URL,
      SMC_WAVES_PREFIX: prefix(),
      SMC_WAVES_HTTP_PORT: "0",
    };
    const first = quickstart(env);
    const url = await first.viewUrl();

    const second = await runCli(["quickstart"], env);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `an smc-waves daemon is running on Redis prefix ${env.SMC_WAVES_PREFIX}`,
    );
    expect(second.stderr).toContain(`its API at ${url}`);
    expect(second.stderr).not.toMatch(STACK_LINE);

    const { plans } = (await (await fetch(`${url}/api/plans`)).json()) as { plans: unknown[] };
    expect(plans).toHaveLength(1);

    // Stopped, it takes its heartbeat along: the prefix is free at once.
    await first.stop();
    expect(await liveDaemons(redis, env.SMC_WAVES_PREFIX)).toEqual([]);
  });

  it("never clears a prefix holding a deployment's state", { timeout: 60_000 }, async () => {
    const deployment = prefix();
    await redis.set(`${deployment}:plan:dc1`, "{}");
    const result = await runCli(["quickstart"], {
      SMC_WAVES_REDIS_URL: REDIS_URL,
      SMC_WAVES_PREFIX: deployment,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Redis prefix ${deployment} holds a deployment's state (not a quick start's): the quick start never clears it`,
    );
    expect(await redis.get(`${deployment}:plan:dc1`)).toBe("{}");
  });

  it("takes a free port when its default is taken and says so; a chosen port in use is a message", {
    timeout: 120_000,
  }, async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const address = taken.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const config = join(dir, "busy-port.yaml");
    await writeFile(config, `http:\n  port: ${port}\n`);
    // A password in the Redis URL (this Redis ignores it) must never be printed.
    const env = {
      SMC_WAVES_REDIS_URL: REDIS_URL.replace("redis://", "redis://:hunter2-secret@"),
      SMC_WAVES_PREFIX: prefix(),
      SMC_WAVES_CONFIG: config,
    };
    try {
      const chosen = await runCli(["quickstart"], { ...env, SMC_WAVES_HTTP_PORT: String(port) });
      expect(chosen.code).toBe(2);
      expect(chosen.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(chosen.stderr).toContain("SMC_WAVES_HTTP_PORT");
      expect(chosen.stderr).not.toMatch(STACK_LINE);

      const started = quickstart(env);
      const url = await started.viewUrl();
      expect(url).not.toBe(`http://127.0.0.1:${port}`);
      expect(started.output).toContain(`(port ${port} was taken; SMC_WAVES_HTTP_PORT chooses one)`);
      expect(started.output).toContain("redis://:***@127.0.0.1");
      expect(started.output).not.toContain("hunter2-secret");
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      taken.close();
    }
  });
});
