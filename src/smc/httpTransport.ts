/**
 * One HTTP exchange with the RPC endpoint over a keep-alive agent. Network failures become SmcError
 * with our `Network.*` codes; what the body means is the caller's business (rpcResponse.ts).
 * Error messages name the action and the socket error code only: never the URL, which for GET holds
 * the query with the Signature and SecurityToken.
 */
import http from "node:http";
import https from "node:https";
import { SmcError } from "./errors.ts";
import { type HttpMethod, percentEncode, type WireParams } from "./signature.ts";

export interface HttpResponse {
  status: number;
  /** The `content-type` header, "" when absent. */
  contentType: string;
  body: string;
}

/** Bodies above this are not SMC answers (the largest page is a few hundred KB). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Idle keep-alive sockets are dropped after this long, below Node's and most load balancers' 5 s
 * server keep-alive, so we rarely reuse a socket the server is closing at that very moment.
 */
const IDLE_SOCKET_MS = 4_000;

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "ERR_STREAM_PREMATURE_CLOSE"]);

/** Form encoding as the signature sees it, so what we sign is byte for byte what we send. */
function encodeForm(params: WireParams): string {
  return Object.entries(params)
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`)
    .join("&");
}

export class HttpTransport {
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;

  constructor(endpoint: string, timeoutMs: number, maxSockets: number) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new RangeError(
        `SMC endpoint must be an http(s) URL such as https://smc.aliyuncs.com, got ${JSON.stringify(endpoint)}`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new RangeError(
        `SMC endpoint must use http: or https:, got ${JSON.stringify(endpoint)}`,
      );
    }
    if (!(timeoutMs > 0))
      throw new RangeError(`SMC timeoutMs must be above 0 ms, got ${timeoutMs}`);
    this.#url = url;
    this.#timeoutMs = timeoutMs;
    if (!(Number.isInteger(maxSockets) && maxSockets > 0)) {
      throw new RangeError(`SMC maxSockets must be a whole number above 0, got ${maxSockets}`);
    }
    const agentOptions = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxSockets };
    this.#agent =
      url.protocol === "https:" ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /** Destroys pooled sockets; requests in flight fail with `Network.Reset`. */
  close(): void {
    this.#agent.destroy();
  }

  send(
    action: string,
    method: HttpMethod,
    params: WireParams,
    signal?: AbortSignal,
  ): Promise<HttpResponse> {
    signal?.throwIfAborted();
    const form = encodeForm(params);
    const path = method === "GET" ? `${this.#url.pathname}?${form}` : this.#url.pathname;
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": "smc-waves",
    };
    if (method === "POST") {
      headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8";
      headers["content-length"] = String(Buffer.byteLength(form));
    }
    const request = this.#url.protocol === "https:" ? https.request : http.request;

    return new Promise<HttpResponse>((resolve, reject) => {
      let timedOut = false;
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        outcome();
      };
      const fail = (error: unknown) =>
        finish(() => {
          if (signal?.aborted) reject(signal.reason);
          else reject(networkError(action, error, timedOut, this.#timeoutMs));
        });

      const req = request({
        protocol: this.#url.protocol,
        hostname: this.#url.hostname,
        port: this.#url.port,
        method,
        path,
        headers,
        agent: this.#agent,
      });
      // One deadline for the whole exchange (connect, upload, headers, body), not per socket event.
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, this.#timeoutMs);
      const onAbort = () => req.destroy();
      signal?.addEventListener("abort", onAbort, { once: true });

      let responded = false;
      req.on("error", fail);
      // Normally 'error' or the response's events settle first; this covers a close with neither.
      req.on("close", () => {
        if (!responded)
          fail(Object.assign(new Error("request closed early"), { code: "ECONNRESET" }));
      });
      req.on("response", (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            finish(() => reject(oversized(action, res.statusCode ?? 0)));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on("error", fail);
        res.on("close", () => {
          if (!res.complete)
            fail(Object.assign(new Error("response closed early"), { code: "ECONNRESET" }));
        });
        res.on("end", () =>
          finish(() =>
            resolve({
              status: res.statusCode ?? 0,
              contentType: res.headers["content-type"] ?? "",
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          ),
        );
      });
      req.end(method === "POST" ? form : undefined);
    });
  }
}

function oversized(action: string, status: number): SmcError {
  return new SmcError({
    code: "Http.UnexpectedBody",
    message: `${action}: response body exceeds ${MAX_BODY_BYTES} bytes, not an SMC answer`,
    httpStatus: status,
    requestId: "",
    recommend: "",
    action,
  });
}

function networkError(
  action: string,
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
): SmcError {
  const errno =
    typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const base = { httpStatus: 0, requestId: "", recommend: "", action };
  if (timedOut || errno === "ETIMEDOUT") {
    return new SmcError({
      ...base,
      code: "Network.Timeout",
      message: `${action}: no complete response within ${timeoutMs} ms`,
    });
  }
  if (UNREACHABLE.has(errno)) {
    return new SmcError({
      ...base,
      code: "Network.Unreachable",
      message: `${action}: cannot reach the SMC endpoint (${errno})`,
    });
  }
  if (RESET.has(errno)) {
    return new SmcError({
      ...base,
      code: "Network.Reset",
      message: `${action}: connection reset before the response was complete (${errno})`,
    });
  }
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(errno)) {
    return new SmcError({
      ...base,
      code: "Network.Tls",
      message: `${action}: TLS failure talking to the SMC endpoint (${errno})`,
    });
  }
  return new SmcError({
    ...base,
    code: "Network.Error",
    message: `${action}: network failure (${errno || "unknown"})`,
  });
}
