import { spawn } from "node:child_process";
import {
  ask,
  dataNodeArgs,
  freePort,
  isSyncedReplica,
  type RedisNodeAddress,
  type RedisProcess,
  RedisProcessGroup,
  waitFor,
  waitForReplicasInSync,
} from "./redisProcesses.ts";

/**
 * A Redis Cluster on loopback: `masters` masters with `replicasPerMaster` replicas each, formed by
 * `redis-cli --cluster create`, with a short `cluster-node-timeout` so a killed master's replica
 * takes over within seconds.
 */

export interface RedisClusterOptions {
  /** @default 3 */
  masters?: number;
  /** @default 1 */
  replicasPerMaster?: number;
  password?: string;
  /** How long a node may be silent before the others call it failing, ms. @default 1_000 */
  nodeTimeoutMs?: number;
}

interface ClusterNodeInfo {
  id: string;
  /** For a replica, the id of its master. */
  masterId: string;
  port: number;
  role: "master" | "replica";
  /** Hash slots a master serves, e.g. ["0-5460"]. */
  slots: string[];
  failed: boolean;
}

export interface RedisClusterHandle {
  nodes: RedisNodeAddress[];
  /** The node serving `key`'s slot, as the live nodes see it. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the master serving `key`'s slot; resolves with its port. */
  killMasterOf(key: string): Promise<number>;
  /**
   * SIGKILLs the master serving `key`'s slot and its replicas, so no node can take its slots over
   * and the whole cluster answers CLUSTERDOWN; resolves with their ports once the others say so.
   */
  killShardOf(key: string): Promise<number[]>;
  /** Waits until a live node other than `port` serves `key`'s slot and the cluster says ok. */
  waitForNewMasterOf(key: string, port: number, timeoutMs: number): Promise<number>;
  /**
   * A planned failover (`CLUSTER FAILOVER` on a replica of `key`'s master), as done for
   * maintenance: the old master stays up and becomes a replica. Resolves with the new master's port.
   */
  plannedFailoverOf(key: string, timeoutMs: number): Promise<number>;
  /** Starts a killed node again; the cluster makes it a replica of the master that replaced it. */
  restart(port: number): Promise<void>;
  /** Waits until the node on `port` is a replica in sync, as a failover candidate must be. */
  waitForReplica(port: number, timeoutMs: number): Promise<void>;
  topology(): Promise<ClusterNodeInfo[]>;
  /** Runs one command on one node. */
  ask(port: number, ...command: [string, ...(string | number)[]]): Promise<unknown>;
  diagnostics(): string;
  close(): Promise<void>;
}

export async function startRedisCluster(
  options: RedisClusterOptions = {},
): Promise<RedisClusterHandle> {
  const { password } = options;
  const size = (options.masters ?? 3) * (1 + (options.replicasPerMaster ?? 1));
  const group = await RedisProcessGroup.create("cluster");
  try {
    const nodeArgs = (port: number) => [
      ...dataNodeArgs(port, password),
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      `nodes-${port}.conf`,
      "--cluster-node-timeout",
      String(options.nodeTimeoutMs ?? 1_000),
    ];
    const nodes = new Map<number, RedisProcess>();
    for (let i = 0; i < size; i++) {
      const port = await freePort();
      nodes.set(port, await group.start(port, nodeArgs(port), { password }));
    }
    const ports = [...nodes.keys()];
    await createCluster(ports, options.replicasPerMaster ?? 1, password);

    const topologyFrom = async (port: number): Promise<ClusterNodeInfo[] | undefined> => {
      const reply = await ask(port, password, "CLUSTER", "NODES");
      return typeof reply === "string" ? parseClusterNodes(reply) : undefined;
    };
    const livePorts = () => ports.filter((port) => nodes.get(port)?.running);
    const slotOf = async (key: string): Promise<number> => {
      for (const port of livePorts()) {
        const slot = await ask(port, password, "CLUSTER", "KEYSLOT", key);
        if (typeof slot === "number") return slot;
      }
      throw new Error("no live cluster node answers CLUSTER KEYSLOT");
    };
    /** The master serving `slot` according to every live node, or undefined while they disagree. */
    const agreedMasterOf = async (slot: number): Promise<number | undefined> => {
      const views = await Promise.all(livePorts().map(topologyFrom));
      const owners = views.map(
        (view) =>
          view?.find((node) => node.role === "master" && !node.failed && servesSlot(node, slot))
            ?.port,
      );
      const [first] = owners;
      return first !== undefined && owners.every((owner) => owner === first) ? first : undefined;
    };
    const clusterOk = async () => {
      for (const port of livePorts()) {
        const info = await ask(port, password, "CLUSTER", "INFO");
        if (typeof info !== "string" || !info.includes("cluster_state:ok")) return false;
      }
      return true;
    };
    await waitFor(
      async () => (await clusterOk()) && (await agreedMasterOf(0)) !== undefined,
      30_000,
      () => `the cluster never reached cluster_state:ok\n${group.diagnostics()}`,
    );
    await waitForReplicasInSync(ports, password, () => group.diagnostics());

    const masterOf = async (key: string): Promise<number> => {
      const master = await agreedMasterOf(await slotOf(key));
      if (master === undefined) throw new Error(`the nodes disagree on who serves ${key}`);
      return master;
    };

    const handle: RedisClusterHandle = {
      nodes: ports.map((port) => ({ host: "127.0.0.1", port })),
      masterOf,
      async killShardOf(key) {
        const master = await masterOf(key);
        // Every node's own view: a replica demoted by a recent failover knows whom it follows
        // before the others have heard.
        const views = (await Promise.all(livePorts().map(topologyFrom))).flatMap((v) => v ?? []);
        const masterId = views.find((node) => node.port === master)?.id;
        const shard = [
          ...new Set(
            views
              .filter((node) => node.port === master || node.masterId === masterId)
              .map((node) => node.port),
          ),
        ];
        await Promise.all(shard.map((port) => nodes.get(port)?.kill()));
        await waitFor(
          async () => !(await clusterOk()),
          30_000,
          () => `the cluster never noticed the shard ${shard.join(",")} was gone`,
        );
        return shard;
      },
      async killMasterOf(key) {
        const port = await masterOf(key);
        await nodes.get(port)?.kill();
        return port;
      },
      async waitForNewMasterOf(key, oldPort, timeoutMs) {
        const slot = await slotOf(key);
        let owner: number | undefined;
        await waitFor(
          async () => {
            owner = await agreedMasterOf(slot);
            return owner !== undefined && owner !== oldPort && (await clusterOk());
          },
          timeoutMs,
          () => `slot ${slot} never moved away from port ${oldPort}\n${group.diagnostics()}`,
        );
        return Number(owner);
      },
      async plannedFailoverOf(key, timeoutMs) {
        const oldPort = await masterOf(key);
        const view = (await topologyFrom(oldPort)) ?? [];
        const masterId = view.find((node) => node.port === oldPort)?.id;
        const replica = view.find((node) => node.role === "replica" && node.masterId === masterId);
        if (!replica) throw new Error(`the master on port ${oldPort} has no replica`);
        const reply = await ask(replica.port, password, "CLUSTER", "FAILOVER");
        if (reply !== "OK") throw new Error(`CLUSTER FAILOVER answered ${String(reply)}`);
        return handle.waitForNewMasterOf(key, oldPort, timeoutMs);
      },
      async restart(port) {
        // Its nodes.conf still names its cluster; the others tell it it has been replaced.
        nodes.set(port, await group.start(port, nodeArgs(port), { password }));
      },
      async waitForReplica(port, timeoutMs) {
        await waitFor(
          () => isSyncedReplica(port, password),
          timeoutMs,
          () => `port ${port} never became a replica in sync\n${group.diagnostics()}`,
        );
      },
      async topology() {
        for (const port of livePorts()) {
          const view = await topologyFrom(port);
          if (view) return view;
        }
        return [];
      },
      ask: (port, ...command) => ask(port, password, ...command),
      diagnostics: () => group.diagnostics(),
      close: () => group.stopAll(),
    };
    return handle;
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}

async function createCluster(
  ports: readonly number[],
  replicas: number,
  password: string | undefined,
): Promise<void> {
  const args = [
    "--cluster",
    "create",
    ...ports.map((port) => `127.0.0.1:${port}`),
    "--cluster-replicas",
    String(replicas),
    "--cluster-yes",
  ];
  // The password through the environment, so it is not in the process list.
  const env = password ? { ...process.env, REDISCLI_AUTH: password } : process.env;
  const child = spawn("redis-cli", args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`redis-cli --cluster create exited with ${code}:\n${output}`);
}

/** `CLUSTER NODES`: `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot>...` */
function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id = "", address = "", flags = "", masterId = "-", , , , , ...slots] = line
        .trim()
        .split(" ");
      const port = Number(address.split("@")[0]?.split(":").pop());
      const flagList = flags.split(",");
      return {
        id,
        masterId,
        port,
        role: flagList.includes("master") ? "master" : "replica",
        // Importing/migrating markers ("[...]") are not served slots.
        slots: slots.filter((slot) => !slot.startsWith("[")),
        failed: flagList.includes("fail") || flagList.includes("fail?"),
      } satisfies ClusterNodeInfo;
    });
}

function servesSlot(node: ClusterNodeInfo, slot: number): boolean {
  return node.slots.some((range) => {
    const [from, to = from] = range.split("-").map(Number);
    return from !== undefined && to !== undefined && slot >= from && slot <= to;
  });
}
