import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { Redis } from "ioredis";

/**
 * A private redis-server for tests that stop, freeze or kill Redis on purpose, on a port picked at
 * run time, so the shared Redis of the other tests is never touched.
 */

/** A TCP port nothing listens on at the moment. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface RedisServerOptions {
  port: number;
  /** Its data directory; with it, AOF is on and fsynced on every write (survives kill -9). */
  dir?: string;
  /** `requirepass`. */
  password?: string;
}

/** Starts redis-server and resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions): Promise<ChildProcess> {
  const args = ["--port", String(options.port), "--bind", "127.0.0.1", "--save", ""];
  if (options.dir) {
    args.push("--dir", options.dir, "--appendonly", "yes", "--appendfsync", "always");
  }
  if (options.password) args.push("--requirepass", options.password);
  args.push("--maxmemory-policy", "noeviction");
  const child = spawn("redis-server", args, { stdio: "ignore" });
  const probe = new Redis({
    port: options.port,
    ...(options.password ? { password: options.password } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 50,
  });
  probe.on("error", () => {});
  try {
    for (;;) {
      const pong = await probe.ping().catch(() => "");
      if (pong === "PONG") return child;
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    probe.disconnect();
  }
}

/** `kill -9`, resolving once the process is gone (its port is free again). */
export async function killRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}
