import type { DeliveryPolicy, MessageFormat } from "./notificationConfig.ts";
import { scrubUrl } from "./secret.ts";

/** What one try at a webhook came to. */
export type TryOutcome =
  | { kind: "delivered"; status: number }
  /** Worth trying again: network trouble, a timeout, 5xx, 408, 429, DingTalk's "too fast". */
  | { kind: "retry"; reason: string; retryAfterMs?: number }
  /** Trying again cannot help: another 4xx, a redirect, DingTalk refusing the message. */
  | { kind: "reject"; reason: string };

/** DingTalk answers 200 with an `errcode`; these two mean "later", every other non-zero "never". */
const DINGTALK_RETRY = new Map([
  [-1, "DingTalk is busy"],
  // A robot takes 20 messages a minute; past that DingTalk refuses it for a while.
  [130101, "DingTalk: too many messages a minute"],
]);
const DINGTALK_RATE_WAIT_MS = 60_000;

/** Bytes of a response body read for its error message; the rest is discarded. */
const MAX_BODY_BYTES = 16 * 1024;

/** `Retry-After` as milliseconds from `nowMs`: delta-seconds or an HTTP date; undefined if neither. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const snippet = (text: string): string => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
};

/** Pure: what an HTTP answer means for the delivery. */
export function classifyResponse(answer: {
  status: number;
  retryAfter: string | null;
  body: string;
  format: MessageFormat;
  nowMs: number;
}): TryOutcome {
  const { status, format, body } = answer;
  const said = body.trim() === "" ? "" : `: ${snippet(body)}`;
  if (status >= 200 && status < 300) {
    if (format !== "dingtalk") return { kind: "delivered", status };
    let errcode: unknown;
    let errmsg: unknown;
    try {
      ({ errcode, errmsg } = JSON.parse(body) as { errcode?: unknown; errmsg?: unknown });
    } catch {
      return { kind: "reject", reason: `DingTalk answered ${status} with a body that is not JSON` };
    }
    if (errcode === 0 || errcode === undefined) return { kind: "delivered", status };
    const code = Number(errcode);
    const why = `errcode ${code}${typeof errmsg === "string" ? ` (${errmsg})` : ""}`;
    const transient = DINGTALK_RETRY.get(code);
    if (transient === undefined) return { kind: "reject", reason: `DingTalk refused it: ${why}` };
    return {
      kind: "retry",
      reason: `${transient}: ${why}`,
      ...(code === 130101 ? { retryAfterMs: DINGTALK_RATE_WAIT_MS } : {}),
    };
  }
  const retryAfterMs = parseRetryAfter(answer.retryAfter, answer.nowMs);
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: "retry",
      reason: `HTTP ${status}${said}`,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status >= 300 && status < 400) {
    return {
      kind: "reject",
      reason: `HTTP ${status}: the webhook redirects; configure the address it redirects to`,
    };
  }
  return { kind: "reject", reason: `HTTP ${status}${said}` };
}

/**
 * The wait before try `attemptsMade + 1`, ms: "equal jitter" over a doubling ceiling,
 * uniform in [c/2, c) with c = min(maxBackoff, backoff × 2^(attemptsMade−1)), so daemons retrying
 * together spread out while the wait still grows. With the defaults (2 s, 10 m) the ceilings run
 * 2 s, 4 s … 512 s, then 10 m: the 14 waits of 15 tries add up to 34–67 minutes. A `Retry-After` longer than
 * that is honoured up to maxBackoff.
 */
export function deliveryDelay(
  attemptsMade: number,
  policy: Pick<DeliveryPolicy, "backoffMs" | "maxBackoffMs">,
  random: () => number,
  retryAfterMs?: number,
): number {
  const exponent = Math.max(0, Math.floor(attemptsMade) - 1);
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** exponent);
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  if (retryAfterMs === undefined || retryAfterMs <= jittered) return jittered;
  return Math.min(retryAfterMs, policy.maxBackoffMs);
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Words for a failed request that never show the URL (undici's messages name host:port at most). */
function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  return code ? `network error ${code}` : `network error: ${String(error)}`;
}

/**
 * One POST, bounded by `timeoutMs` from connect to the last body byte. Never throws: every way
 * it can go is a `TryOutcome`. Redirects are not followed (a signed body must not go elsewhere).
 */
export async function postWebhook(request: {
  url: string;
  body: string;
  headers: Record<string, string>;
  format: MessageFormat;
  timeoutMs: number;
  now: () => number;
}): Promise<TryOutcome> {
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = await readBounded(response);
    const outcome = classifyResponse({
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body,
      format: request.format,
      nowMs: request.now(),
    });
    // A receiver's error page may echo the request line, and with it the URL's token.
    return outcome.kind === "delivered"
      ? outcome
      : { ...outcome, reason: scrubUrl(outcome.reason, request.url) };
  } catch (error) {
    return {
      kind: "retry",
      reason: scrubUrl(networkReason(error, request.timeoutMs), request.url),
    };
  }
}
