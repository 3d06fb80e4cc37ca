import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { constants } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { Redis } from "ioredis";
import { maskedUrl } from "./maskedUrl.ts";
import { pingRedis } from "./redis.ts";

/**
 * Redis for the quick start: the one at the configured URL when it answers, else a private
 * `redis-server` under `.data/redis/` (AOF on, `noeviction`, loopback only) that lives as long as
 * this process, else a message saying how to get one.
 */

export interface EnsureRedisOptions {
  /** The configured URL (`SMC_WAVES_REDIS_URL`, config `redis.url`). */
  url: string;
  /** The private Redis's data directory. Usually `<cwd>/.data/redis`. */
  dataDir: string;
  /** Where `redis-server` is looked up (`PATH`). */
  env: Readonly<Record<string, string | undefined>>;
  /** How long the private Redis may take to accept connections, ms. @default 10_000 */
  startTimeoutMs?: number;
}

export interface RedisHandle {
  url: string;
  /** True when this process started (or adopted) the Redis and `stop()` ends it. */
  private: boolean;
  /** Shuts a private Redis down cleanly (AOF flushed); a no-op for a Redis that was already there. */
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export async function ensureRedis(options: EnsureRedisOptions): Promise<RedisHandle> {
  const { url, dataDir, env } = options;
  if (await pingRedis(url)) return { url, private: false, stop: async () => {} };

  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host)) {
    // Starting a local one would quietly run the migration against another Redis than configured.
    throw new RedisUnavailableError(
      `Redis does not answer at ${maskedUrl(url)}. Check that it runs and is reachable from here, or point SMC_WAVES_REDIS_URL at one that is.`,
    );
  }

  // A private Redis left running by an earlier run that was killed: adopt it rather than start a
  // second server on the same data directory.
  const portFile = join(dataDir, "port");
  const previousPort = Number(await readFile(portFile, "utf8").catch(() => ""));
  if (previousPort > 0) {
    const previous = `redis://127.0.0.1:${previousPort}`;
    if (await pingRedis(previous))
      return { url: previous, private: true, stop: () => shutdown(previous) };
  }

  const server = await findOnPath("redis-server", env.PATH ?? "");
  if (!server) {
    throw new RedisUnavailableError(
      [
        `Redis does not answer at ${maskedUrl(url)} and redis-server is not installed. Either:`,
        "  - install it: sudo apt-get install -y redis-server   (macOS: brew install redis), then run this again;",
        "  - or run it with Docker: docker compose up -d redis;",
        "  - or point SMC_WAVES_REDIS_URL at a Redis you have (7.x, maxmemory-policy noeviction).",
      ].join("\n"),
    );
  }

  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    server,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dataDir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--maxmemory-policy",
      "noeviction",
      // AOF is the durability; RDB snapshots would only add disk writes.
      "--save",
      "",
      "--daemonize",
      "no",
      "--logfile",
      "",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // Ends the private Redis even when this process exits without calling stop().
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  try {
    await waitReady(child, options.startTimeoutMs ?? 10_000);
  } catch (error) {
    process.off("exit", killOnExit);
    child.kill("SIGKILL");
    throw error;
  }
  await writeFile(portFile, String(port));
  const privateUrl = `redis://127.0.0.1:${port}`;
  return {
    url: privateUrl,
    private: true,
    stop: async () => {
      process.off("exit", killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      // SIGTERM makes Redis flush the AOF and exit cleanly.
      child.kill("SIGTERM");
      await exited;
    },
  };
}

async function waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new RedisUnavailableError(
            `redis-server did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`,
          ),
        ),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new RedisUnavailableError(`could not run redis-server: ${error.message}`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new RedisUnavailableError(`redis-server exited with code ${code}:\n${output.slice(-2000)}`),
      );
    });
  });
  // Keep draining its output so a full pipe never blocks Redis.
  child.stdout?.resume();
  child.stderr?.resume();
}

async function shutdown(url: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  // SHUTDOWN closes the connection instead of answering; that is success.
  await client.call("SHUTDOWN").catch(() => {});
  client.disconnect();
}

async function findOnPath(command: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no free port on 127.0.0.1");
  return address.port;
}
