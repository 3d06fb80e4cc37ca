/**
 * A tiny real HTTP server standing in for the SMC endpoint in the client's integration tests: it
 * decodes query and form body the way the service does, recomputes the signature with the shared
 * `stringToSign`, and lets each test decide how to answer (or misbehave).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { signString, stringToSign } from "../src/smc/signature.ts";

interface ReceivedRequest {
  method: string;
  /** Query and form body merged, decoded with standard form decoding. */
  params: Record<string, string>;
  rawUrl: string;
  rawBody: string;
  /** Whether `Signature` matches what the server computes with the test secret. */
  signatureValid: boolean;
  /** Which TCP connection carried it (1-based, in accept order). */
  connection: number;
}

type Handler = (request: ReceivedRequest, res: ServerResponse) => void;

export interface TestServer {
  url: string;
  requests: ReceivedRequest[];
  connections: () => number;
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json;charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function decodeForm(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startTestServer(
  secretFor: (accessKeyId: string) => string,
): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  const sockets = new Map<Socket, number>();
  let handler: Handler = (_request, res) => json(res, 200, { RequestId: "req-default" });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const rawUrl = req.url ?? "/";
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const query = rawUrl.includes("?") ? rawUrl.slice(rawUrl.indexOf("?") + 1) : "";
      const params = { ...decodeForm(query), ...decodeForm(rawBody) };
      const method = req.method === "POST" ? "POST" : "GET";
      const expected = signString(
        secretFor(params.AccessKeyId ?? ""),
        stringToSign(method, params),
      );
      const received: ReceivedRequest = {
        method: req.method ?? "",
        params,
        rawUrl,
        rawBody,
        signatureValid: params.Signature === expected,
        connection: sockets.get(req.socket) ?? 0,
      };
      requests.push(received);
      handler(received, res);
    });
  });
  server.on("connection", (socket: Socket) => sockets.set(socket, sockets.size + 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => sockets.size,
    setHandler: (next) => {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
