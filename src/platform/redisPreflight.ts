import { Cluster, Redis } from "ioredis";
import type { RedisClient } from "./redisConnector.ts";

/**
 * What a daemon checks of its Redis at boot, for log lines an operator can act on. BullMQ prints
 * its own eviction-policy warning to the console, once per connection and, on a Cluster, about a
 * random node; this looks at every node that holds or may come to hold our keys, and at whether a
 * failover would have anything to promote.
 */

export interface RedisFinding {
  /** `host:port` of the node, as the client knows it. */
  node: string;
  message: string;
}

/** Any policy but this lets Redis drop queue and ledger keys under memory pressure. */
const SAFE_POLICY = "noeviction";

function infoField(info: string, field: string): string | undefined {
  return info.match(new RegExp(`^${field}:(.*?)\\r?$`, "m"))?.[1]?.trim();
}

function address(node: Redis): string {
  return `${node.options.host ?? "?"}:${node.options.port ?? "?"}`;
}

async function inspectNode(
  node: Redis,
  options: { expectReplicas: boolean },
): Promise<RedisFinding[]> {
  const findings: RedisFinding[] = [];
  const where = address(node);
  const memory = await node.info("memory");
  const policy = infoField(memory, "maxmemory_policy");
  if (policy !== undefined && policy !== SAFE_POLICY) {
    findings.push({
      node: where,
      message: `maxmemory-policy is ${policy}: under memory pressure Redis may evict queue and ledger keys, and a migration would lose steps; set it to ${SAFE_POLICY}`,
    });
  }
  if (options.expectReplicas) {
    const replication = await node.info("replication");
    const role = infoField(replication, "role");
    if (role === "master" && Number(infoField(replication, "connected_slaves") ?? 0) === 0) {
      findings.push({
        node: where,
        message:
          "this master has no connected replica: if it fails there is nothing to promote, and the migration waits until it is back",
      });
    }
  }
  return findings;
}

/**
 * Findings about `client`'s deployment; empty when all is well. A node that cannot be asked (INFO
 * disabled by a managed service, a node down, an address only the cluster's side of a NAT can
 * reach) is skipped: this only ever adds log lines.
 */
export async function inspectRedis(client: RedisClient, prefix: string): Promise<RedisFinding[]> {
  const ask = (node: Redis, expectReplicas: boolean) =>
    inspectNode(node, { expectReplicas }).catch(() => []);
  if (client instanceof Cluster) return inspectCluster(client, prefix, ask).catch(() => []);
  // A Sentinel client's options name the master it found; a URL's, the one server.
  const sentinel = (client.options.sentinels?.length ?? 0) > 0;
  const findings = await ask(client, sentinel);
  return sentinel
    ? findings.map((finding) => ({ ...finding, node: `the master "${client.options.name}"` }))
    : findings;
}

/**
 * Every node of the slot map, replicas included (a replica becomes a master on the next
 * failover). The client holds connections to masters only, so replicas get a short-lived one.
 */
async function inspectCluster(
  cluster: Cluster,
  prefix: string,
  ask: (node: Redis, expectReplicas: boolean) => Promise<RedisFinding[]>,
): Promise<RedisFinding[]> {
  const slot = Number(await cluster.call("CLUSTER", "KEYSLOT", prefix));
  // Asked now rather than read from the client's slot map, which may predate the last failover;
  // CLUSTER NODES rather than CLUSTER SLOTS, which leaves out replicas it has no offset for yet.
  const nodes = parseClusterNodes(String(await cluster.call("CLUSTER", "NODES")));
  const keys = new Set(nodes.map((node) => node.key));
  const ourMaster = nodes.find((node) => node.servesSlot(slot))?.key;
  const connected = new Map(cluster.nodes("all").map((node) => [address(node), node]));
  const findings = await Promise.all(
    [...keys].sort().map(async (key) => {
      const existing = connected.get(key);
      if (existing) return ask(existing, key === ourMaster);
      const [host, port] = [key.slice(0, key.lastIndexOf(":")), Number(key.split(":").pop())];
      const node = new Redis({
        ...cluster.options.redisOptions,
        host,
        port,
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        connectTimeout: 2_000,
        retryStrategy: () => null,
        reconnectOnError: null,
      });
      node.on("error", () => {});
      try {
        return await ask(node, key === ourMaster);
      } finally {
        node.disconnect();
      }
    }),
  );
  return findings.flat();
}

interface ClusterNode {
  /** `host:port`, as the client names nodes. */
  key: string;
  servesSlot(slot: number): boolean;
}

/** `CLUSTER NODES`: `<id> <ip:port@bus[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slot>...` */
function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .split("\n")
    .map((line) => line.trim().split(" "))
    .filter(([, address, flags]) => address && flags && !/fail|noaddr|handshake/.test(flags))
    .map(([, address = "", , , , , , , ...slots]) => ({
      key: address.split("@")[0] ?? address,
      servesSlot: (slot: number) =>
        slots.some((range) => {
          const [from, to = from] = range.split("-").map(Number);
          return from !== undefined && to !== undefined && slot >= from && slot <= to;
        }),
    }));
}
