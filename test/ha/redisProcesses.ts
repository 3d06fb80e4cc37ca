import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/**
 * Real `redis-server` processes for the high-availability tests: each on a free loopback port, all
 * under one temporary directory, all killed and the directory removed by `stopAll()`, whatever
 * state the test left them in. Nothing here installs anything: a machine without redis-server is
 * reported by `missingRedisTools()`, and CI (`.ci/run`) installs it.
 */

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Why the HA tests cannot run here, or undefined when redis-server and redis-cli are both on PATH. */
export function missingRedisTools(): string | undefined {
  const missing = ["redis-server", "redis-cli"].filter(
    (tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status !== 0,
  );
  return missing.length > 0
    ? `${missing.join(" and ")} not found on PATH (apt-get install redis-server)`
    : undefined;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no free port on 127.0.0.1");
  return address.port;
}

/** One redis-server (or sentinel) process this group started. */
export class RedisProcess {
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #output = "";

  constructor(port: number, args: readonly string[], cwd: string) {
    this.port = port;
    this.#child = spawn("redis-server", [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => {
      // The tail is what explains a failure; a full pipe would block the server.
      this.#output = (this.#output + chunk.toString("utf8")).slice(-50_000);
    };
    this.#child.stdout?.on("data", keep);
    this.#child.stderr?.on("data", keep);
    this.#exited = new Promise((resolve) => this.#child.once("exit", () => resolve()));
  }

  get address(): RedisNodeAddress {
    return { host: "127.0.0.1", port: this.port };
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** SIGKILL without waiting (for an exit handler, which cannot wait). */
  killNow(): void {
    if (this.running) this.#child.kill("SIGKILL");
  }

  /** `kill -9`: no shutdown save, no goodbye to replicas or sentinels. */
  async kill(): Promise<void> {
    if (this.running) this.#child.kill("SIGKILL");
    await this.#exited;
  }

  /** The last lines the process wrote, for a failure message. */
  tail(lines = 30): string {
    return `--- redis-server :${this.port} ---\n${this.#output.split("\n").slice(-lines).join("\n")}`;
  }
}

/** The processes of one test and the directory they write in. */
export class RedisProcessGroup {
  readonly dir: string;
  readonly #processes: RedisProcess[] = [];

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** SIGKILLs every process still running; also run when this process exits without `stopAll`. */
  readonly #killOnExit = () => {
    for (const process of this.#processes) process.killNow();
  };

  static async create(name: string): Promise<RedisProcessGroup> {
    return new RedisProcessGroup(await mkdtemp(join(tmpdir(), `smc-waves-${name}-`)));
  }

  /**
   * Starts `redis-server` with `args` (a config file first, or options) on `port` and waits until
   * it answers PING (with `password` when it needs one).
   */
  async start(
    port: number,
    args: readonly string[],
    options: { password?: string; timeoutMs?: number } = {},
  ): Promise<RedisProcess> {
    const process = new RedisProcess(port, args, this.dir);
    if (this.#processes.length === 0) globalThis.process.once("exit", this.#killOnExit);
    this.#processes.push(process);
    await waitFor(
      () => ping(port, options.password),
      options.timeoutMs ?? 20_000,
      () => `redis-server on port ${port} did not answer PING\n${process.tail()}`,
    );
    return process;
  }

  diagnostics(): string {
    return this.#processes.map((process) => process.tail(15)).join("\n");
  }

  /** Kills every process (SIGKILL) and removes the directory. Safe to call twice. */
  async stopAll(): Promise<void> {
    globalThis.process.off("exit", this.#killOnExit);
    await Promise.all(this.#processes.map((process) => process.kill()));
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Options every data node of the HA tests gets. `repl-diskless-sync-delay 0`: Redis otherwise waits
 * 5 s before a replica's first full sync, and a replica that never synced cannot take over (it
 * holds nothing, and Cluster refuses to promote a replica whose link never came up).
 */
export function dataNodeArgs(port: number, password: string | undefined): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--maxmemory-policy",
    "noeviction",
    "--dbfilename",
    `dump-${port}.rdb`,
    "--repl-diskless-sync-delay",
    "0",
    ...(password ? ["--requirepass", password, "--masterauth", password] : []),
  ];
}

/** A field of `INFO replication`, e.g. `role` or `master_link_status`. */
export async function replicationField(
  port: number,
  password: string | undefined,
  field: string,
): Promise<string | undefined> {
  const info = await ask(port, password, "INFO", "replication");
  if (typeof info !== "string") return undefined;
  return info.match(new RegExp(`^${field}:(.*?)\\r?$`, "m"))?.[1]?.trim();
}

/** Whether the node on `port` is a replica whose link to its master is up (its first sync done). */
export async function isSyncedReplica(port: number, password: string | undefined) {
  return (
    (await replicationField(port, password, "role")) === "slave" &&
    (await replicationField(port, password, "master_link_status")) === "up"
  );
}

/** Waits until every replica among `ports` has its link to its master up (its first sync done). */
export async function waitForReplicasInSync(
  ports: readonly number[],
  password: string | undefined,
  describe: () => string,
): Promise<void> {
  await waitFor(
    async () => {
      for (const port of ports) {
        if ((await replicationField(port, password, "role")) !== "slave") continue;
        if ((await replicationField(port, password, "master_link_status")) !== "up") return false;
      }
      return true;
    },
    30_000,
    () => `a replica never finished its first sync\n${describe()}`,
  );
}

/** One connection, one command, closed again; never throws. */
export async function ask(
  port: number,
  password: string | undefined,
  ...command: [string, ...(string | number)[]]
): Promise<unknown> {
  const client = new Redis({
    host: "127.0.0.1",
    port,
    ...(password ? { password } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 1_000,
    retryStrategy: () => null,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    return await client.call(...command);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    client.disconnect();
  }
}

async function ping(port: number, password: string | undefined): Promise<boolean> {
  return (await ask(port, password, "PING")) === "PONG";
}

/**
 * Polls `condition` every 50 ms until it holds; past `timeoutMs` throws `describe()`. Generous
 * deadlines: a shared two-core machine may be slow, never idle.
 */
export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
