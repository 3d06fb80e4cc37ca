import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** How the receiver answers one request. */
export type Answer = "ok" | "error" | "slow";

interface ReceivedRequest {
  /** The path the webhook posts to, e.g. `/ops`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answer: Answer;
  /** Whether the signature verified with the scheme docs/operations.md documents. */
  signatureOk: boolean;
  /** True for a request whose Idempotency-Key was already processed: a repeat the key absorbed. */
  repeat: boolean;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`; the port stays the same across down() and up(). */
  url: string;
  requests: ReceivedRequest[];
  /** Per path, the body first processed for each Idempotency-Key. */
  processed: Map<string, Map<string, string>>;
  /** Stops listening and drops every connection: clients get "connection refused". */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The verification docs/operations.md gives receivers, written out again here so the test checks
 * the documented scheme rather than our own implementation of it.
 */
function verify(secret: string, rawBody: string, header: string | undefined): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? "", "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A webhook receiver on a loopback port that processes each Idempotency-Key once, the way a
 * careful receiver does. `decide` picks each answer: `error` is a 500, `slow` processes the
 * message but answers only after `slowMs` (past the sender's timeout, so it tries again).
 */
export async function startWebhookReceiver(options: {
  secret?: string;
  decide: (path: string) => Answer;
  slowMs: number;
}): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const processed = new Map<string, Map<string, string>>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = (req.url ?? "/").split("?")[0] ?? "/";
      const answer = options.decide(path);
      const key = String(req.headers["idempotency-key"] ?? "");
      const seen = processed.get(path) ?? new Map<string, string>();
      processed.set(path, seen);
      const repeat = seen.has(key);
      requests.push({
        path,
        headers: req.headers,
        body,
        answer,
        signatureOk:
          options.secret === undefined
            ? true
            : verify(options.secret, body, req.headers["x-smc-waves-signature"] as string),
        repeat,
      });
      if (answer === "error") {
        res.writeHead(500).end("try later");
        return;
      }
      if (!repeat) seen.set(key, body);
      if (answer === "ok") {
        res.writeHead(200).end("ok");
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.destroyed) res.writeHead(200).end("ok, late");
      }, options.slowMs);
      timers.add(timer);
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    processed,
    down: stop,
    up: () => listen(port),
    close: async () => {
      if (server.listening) await stop();
    },
  };
}
