import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ask,
  dataNodeArgs,
  freePort,
  isSyncedReplica,
  type RedisNodeAddress,
  type RedisProcess,
  RedisProcessGroup,
  replicationField,
  waitFor,
  waitForReplicasInSync,
} from "./redisProcesses.ts";

/**
 * A Redis Sentinel deployment on loopback: one master, its replicas, and sentinels watching them,
 * with a short `down-after-milliseconds` so a killed master is replaced within seconds. Passwords,
 * when given, are required by the data nodes (`requirepass` + `masterauth`) and by the sentinels.
 */

export interface SentinelSetOptions {
  masterName: string;
  /** @default 1 */
  replicas?: number;
  /** @default 3 */
  sentinels?: number;
  /** The data nodes' password. */
  password?: string;
  /** The sentinels' own password. */
  sentinelPassword?: string;
  /** How long a master must be silent before a sentinel calls it down, ms. @default 1_000 */
  downAfterMs?: number;
}

export interface SentinelSet {
  masterName: string;
  sentinels: RedisNodeAddress[];
  /** The data node every sentinel currently names as master. */
  master(): Promise<RedisNodeAddress>;
  /** SIGKILLs the current master; resolves with its port once the process is gone. */
  killMaster(): Promise<number>;
  /** SIGKILLs every replica of the current master; resolves with their ports. */
  killReplicas(): Promise<number[]>;
  /** Waits until every live sentinel names a master other than `port`; returns the new one. */
  waitForNewMaster(port: number, timeoutMs: number): Promise<RedisNodeAddress>;
  /**
   * A planned switchover as docs/operations.md describes it: `CLIENT PAUSE <ms> WRITE` on the
   * master (so it acknowledges nothing the replica could miss), `SENTINEL FAILOVER`, and
   * `CLIENT UNPAUSE` on the old master once it has been replaced. Resolves with the new master.
   */
  plannedFailover(timeoutMs: number): Promise<RedisNodeAddress>;
  /** Starts a killed data node again, as a replica of the current master. */
  restart(port: number): Promise<void>;
  /** Waits until the node on `port` is a replica in sync, as a failover candidate must be. */
  waitForReplica(port: number, timeoutMs: number): Promise<void>;
  /** `INFO replication` field of a data node, e.g. `role` or `master_repl_offset`. */
  replicationField(port: number, field: string): Promise<string | undefined>;
  diagnostics(): string;
  close(): Promise<void>;
}

const QUORUM_OF = (sentinels: number) => Math.floor(sentinels / 2) + 1;

export async function startSentinelSet(options: SentinelSetOptions): Promise<SentinelSet> {
  const { masterName, password, sentinelPassword } = options;
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const group = await RedisProcessGroup.create("sentinel");
  try {
    const dataArgs = (port: number) => dataNodeArgs(port, password);
    const dataNodes = new Map<number, RedisProcess>();
    const masterPort = await freePort();
    dataNodes.set(masterPort, await group.start(masterPort, dataArgs(masterPort), { password }));
    for (let i = 0; i < replicaCount; i++) {
      const port = await freePort();
      const args = [...dataArgs(port), "--replicaof", "127.0.0.1", String(masterPort)];
      dataNodes.set(port, await group.start(port, args, { password }));
    }

    const sentinelPorts: number[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const port = await freePort();
      const file = join(group.dir, `sentinel-${port}.conf`);
      // Sentinel rewrites its own config file as it learns the topology, so each has its own.
      await writeFile(
        file,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${group.dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} ${QUORUM_OF(sentinelCount)}`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1_000}`,
          // Also the pause before a failed failover is tried again: short, so a test never waits long.
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(password ? [`sentinel auth-pass ${masterName} ${password}`] : []),
          ...(sentinelPassword
            ? [`requirepass ${sentinelPassword}`, `sentinel sentinel-pass ${sentinelPassword}`]
            : []),
          "",
        ].join("\n"),
      );
      await group.start(port, [file, "--sentinel"], { password: sentinelPassword });
      sentinelPorts.push(port);
    }

    const askSentinel = (port: number, ...command: [string, ...string[]]) =>
      ask(port, sentinelPassword, ...command);
    const masterFields = async (port: number): Promise<Map<string, string>> => {
      const reply = await askSentinel(port, "SENTINEL", "MASTER", masterName);
      const fields = new Map<string, string>();
      if (Array.isArray(reply))
        for (let i = 0; i + 1 < reply.length; i += 2)
          fields.set(String(reply[i]), String(reply[i + 1]));
      return fields;
    };
    // Before anything may fail over, every sentinel must know the replicas and the other sentinels.
    await waitFor(
      async () => {
        for (const port of sentinelPorts) {
          const fields = await masterFields(port);
          if (Number(fields.get("num-slaves")) < replicaCount) return false;
          if (Number(fields.get("num-other-sentinels")) < sentinelCount - 1) return false;
        }
        return true;
      },
      30_000,
      () => `the sentinels never saw the whole set\n${group.diagnostics()}`,
    );

    await waitForReplicasInSync([...dataNodes.keys()], password, () => group.diagnostics());

    const named = async (port: number): Promise<number | undefined> => {
      const reply = await askSentinel(port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", masterName);
      return Array.isArray(reply) ? Number(reply[1]) : undefined;
    };
    const liveSentinels = () => sentinelPorts;

    const master = async (): Promise<RedisNodeAddress> => {
      const ports = await Promise.all(liveSentinels().map(named));
      const [first] = ports;
      if (first === undefined || ports.some((port) => port !== first))
        throw new Error(`the sentinels disagree on the master: ${ports.join(", ")}`);
      return { host: "127.0.0.1", port: first };
    };

    const set: SentinelSet = {
      masterName,
      sentinels: sentinelPorts.map((port) => ({ host: "127.0.0.1", port })),
      master,
      async killMaster() {
        const { port } = await master();
        const node = dataNodes.get(port);
        if (!node) throw new Error(`the master on port ${port} is not one of ours`);
        await node.kill();
        return port;
      },
      async killReplicas() {
        const { port: masterPort } = await master();
        const replicas = [...dataNodes.entries()].filter(([port]) => port !== masterPort);
        await Promise.all(replicas.map(([, node]) => node.kill()));
        return replicas.map(([port]) => port);
      },
      async waitForNewMaster(oldPort, timeoutMs) {
        let ports: (number | undefined)[] = [];
        await waitFor(
          async () => {
            ports = await Promise.all(liveSentinels().map(named));
            const [first] = ports;
            if (first === undefined || first === oldPort) return false;
            if (ports.some((port) => port !== first)) return false;
            return (await replicationField(first, password, "role")) === "master";
          },
          timeoutMs,
          () =>
            `no failover away from port ${oldPort} (sentinels say ${ports.join(", ")})\n${group.diagnostics()}`,
        );
        return { host: "127.0.0.1", port: Number(ports[0]) };
      },
      async plannedFailover(timeoutMs) {
        const { port } = await master();
        const [sentinel] = sentinelPorts;
        if (sentinel === undefined) throw new Error("no sentinel");
        const paused = await ask(port, password, "CLIENT", "PAUSE", timeoutMs, "WRITE");
        if (paused !== "OK") throw new Error(`CLIENT PAUSE answered ${String(paused)}`);
        const reply = await askSentinel(sentinel, "SENTINEL", "FAILOVER", masterName);
        if (reply !== "OK") throw new Error(`SENTINEL FAILOVER answered ${String(reply)}`);
        const next = await set.waitForNewMaster(port, timeoutMs);
        await ask(port, password, "CLIENT", "UNPAUSE");
        return next;
      },
      async restart(port) {
        // As a replica of the current master, as a careful operator starts a failed master again:
        // the sentinels would convert it themselves, but only once it has been up for 8 s and at
        // their next look (every 10 s), and until then it claims to be a second, empty master.
        const { port: current } = await master();
        const args = [...dataArgs(port), "--replicaof", "127.0.0.1", String(current)];
        dataNodes.set(port, await group.start(port, args, { password }));
      },
      async waitForReplica(port, timeoutMs) {
        await waitFor(
          () => isSyncedReplica(port, password),
          timeoutMs,
          () => `port ${port} never became a replica in sync\n${group.diagnostics()}`,
        );
      },
      replicationField: (port, field) => replicationField(port, password, field),
      diagnostics: () => group.diagnostics(),
      close: () => group.stopAll(),
    };
    return set;
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}
