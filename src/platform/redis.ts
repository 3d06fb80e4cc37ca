import { Redis } from "ioredis";

/**
 * Whether a Redis answers PING at `url` within `timeoutMs`. Never throws; the connection is closed
 * before it resolves, so a probe leaves nothing behind.
 */
export async function pingRedis(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  // Connection errors also arrive as events; without a listener ioredis prints them.
  client.on("error", () => {});
  let timer: NodeJS.Timeout | undefined;
  // Something that accepts TCP but never answers (not a Redis) must not hang the probe.
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const probe = async () => {
    await client.connect();
    return (await client.ping()) === "PONG";
  };
  try {
    return await Promise.race([probe(), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
