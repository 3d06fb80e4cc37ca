import type { Logger } from "pino";
import { maskedUrl } from "./maskedUrl.ts";
import type { RedisProbeTarget } from "./redisConnector.ts";

/**
 * Whether the daemon's Redis answers, as one state for the whole process. Every connection's error
 * event (ours, BullMQ's queues' and workers') is fed here instead of being logged, so an outage is
 * one log line when it starts and one when it ends, not a line per queue per reconnect attempt.
 * The state itself comes from probing one connection, the request path's: PING every
 * `probeIntervalMs`, failed after `probeTimeoutMs`. A frozen Redis (SIGSTOP, a full network buffer)
 * accepts TCP and raises no error event; only an unanswered PING shows it.
 */

export type RedisStatus = "connecting" | "reachable" | "unreachable";

export interface RedisState {
  status: RedisStatus;
  /** Epoch ms (real time) of the last change of `status`. */
  since: number;
  /** Why it is not reachable, in the client's words (`connect ECONNREFUSED 127.0.0.1:6379`). */
  cause?: string;
}

export interface RedisHealthOptions {
  /** The connection whose readiness the API depends on: it is probed (see `healthProbeTarget`). */
  redis: RedisProbeTarget;
  /** Where it connects (a URL, sentinels, Cluster nodes), for messages; a password in it is masked. */
  url: string;
  logger: Logger;
  /** Real epoch ms. @default Date.now */
  now?: () => number;
  /** Pause between probes, ms. @default 500 */
  probeIntervalMs?: number;
  /** A PING unanswered this long means unreachable, ms. @default 1_000 */
  probeTimeoutMs?: number;
}

/** Redis does not answer: routes answer 503 with this message, the CLI exits 2. */
export class RedisUnreachableError extends Error {
  override readonly name = "RedisUnreachableError";
  constructor(
    readonly url: string,
    readonly state: RedisState,
  ) {
    const since = new Date(state.since).toISOString();
    super(
      state.status === "connecting"
        ? `the smc-waves daemon is up but still connecting to its Redis at ${url} (since ${since})${state.cause ? `: ${state.cause}` : ""}`
        : `the smc-waves daemon is up but its Redis at ${url} is unreachable (since ${since}): ${state.cause ?? "no answer"}`,
    );
  }
}

/** Error codes and messages of ioredis and BullMQ that are about the connection, not a command. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
const CONNECTION_MESSAGE =
  /Connection is closed|Stream isn't writeable|max retries per request|Command timed out|LOADING|NOAUTH|WRONGPASS|MASTERDOWN|CLUSTERDOWN|READONLY|Command aborted due to connection close|All sentinels are unreachable|Too many Cluster redirections|Failed to refresh slots cache|None of startup nodes is available|Cluster isn't ready/i;

function isConnectionError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === "string" && CONNECTION_CODES.has(code)) ||
    CONNECTION_MESSAGE.test(error.message)
  );
}

/** How long a first connection may take before it counts as an outage, ms. */
const CONNECT_GRACE_MS = 5_000;

export class RedisHealth {
  readonly url: string;
  readonly #redis: RedisHealthOptions["redis"];
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #listeners = new Set<(state: RedisState) => void>();
  #state: RedisState;
  /** The latest connection error seen since the last good probe: the most specific cause. */
  #lastError: string | undefined;
  #probing = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: RedisHealthOptions) {
    this.url = maskedUrl(options.url);
    this.#redis = options.redis;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.probeIntervalMs ?? 500;
    this.#timeoutMs = options.probeTimeoutMs ?? 1_000;
    this.#state = { status: "connecting", since: this.#now() };
    options.redis.on("error", (error: Error) => this.noteError(error));
    // Probe at once when the probed connection comes up or goes down, not at the next tick.
    options.redis.on("ready", () => this.probeNow());
    options.redis.on("close", () => this.probeNow());
    this.#schedule(0);
  }

  get state(): RedisState {
    return this.#state;
  }

  /**
   * Takes an error event of any of the daemon's Redis connections, queues or workers. A connection
   * error is noted (and prompts a probe) instead of being logged; returns false for any other
   * error, which the caller logs as before.
   */
  noteError(error: unknown): boolean {
    if (!isConnectionError(error)) return false;
    this.#lastError = error.message;
    this.probeNow();
    return true;
  }

  /** Probes now unless a probe is already under way. */
  probeNow(): void {
    if (this.#probing || this.#closed) return;
    clearTimeout(this.#timer);
    void this.#probe();
  }

  /** The error a request gets while Redis is not reachable. */
  error(cause?: string): RedisUnreachableError {
    const state =
      cause === undefined
        ? this.#state
        : { status: "unreachable" as const, since: this.#now(), cause };
    return new RedisUnreachableError(this.url, state);
  }

  /**
   * Runs `work` (a request's Redis reads and writes) while Redis is reachable: rejects with
   * RedisUnreachableError at once when it is not, as soon as it stops being reachable while `work`
   * waits, or when `work` fails for a connection reason. A frozen Redis thus costs a request about
   * one probe timeout, not forever.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#state.status !== "reachable") throw this.error();
    let stopWatching = () => {};
    const outage = new Promise<never>((_, reject) => {
      const listener = (state: RedisState) => {
        if (state.status !== "reachable") reject(this.error());
      };
      this.#listeners.add(listener);
      stopWatching = () => this.#listeners.delete(listener);
    });
    try {
      return await Promise.race([
        work().catch((error: unknown) => {
          if (this.noteError(error)) throw this.error((error as Error).message);
          throw error;
        }),
        outage,
      ]);
    } finally {
      stopWatching();
    }
  }

  /** Resolves once Redis answers; rejects if `signal` aborts first. */
  whenReachable(signal: AbortSignal): Promise<void> {
    if (this.#state.status === "reachable") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const listener = (state: RedisState) => {
        if (state.status !== "reachable") return;
        done();
        resolve();
      };
      const aborted = () => {
        done();
        reject(signal.reason);
      };
      const done = () => {
        this.#listeners.delete(listener);
        signal.removeEventListener("abort", aborted);
      };
      if (signal.aborted) return aborted();
      this.#listeners.add(listener);
      signal.addEventListener("abort", aborted, { once: true });
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#listeners.clear();
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#probe(), delayMs);
    // The probe never keeps a process alive on its own.
    this.#timer.unref();
  }

  async #probe(): Promise<void> {
    this.#probing = true;
    try {
      if (this.#redis.status !== "ready") {
        // Not connected (yet, or any more): ioredis is reconnecting by itself.
        // Still connecting without an error is normal for a moment; past the grace it is an outage
        // (a Redis that accepts TCP but never answers the handshake).
        const waiting =
          this.#state.status === "connecting" &&
          this.#lastError === undefined &&
          this.#now() - this.#state.since < CONNECT_GRACE_MS;
        const cause =
          this.#lastError ??
          (this.#state.status === "connecting"
            ? `no answer within ${CONNECT_GRACE_MS / 1000} s of connecting`
            : `the connection closed; reconnecting`);
        this.#set(waiting ? "connecting" : "unreachable", waiting ? undefined : cause);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([
        this.#redis.ping().then(
          () => undefined,
          (error: Error) => error.message,
        ),
        new Promise<string>((resolve) => {
          timer = setTimeout(
            () => resolve(`no answer to PING within ${this.#timeoutMs} ms`),
            this.#timeoutMs,
          );
        }),
      ]);
      clearTimeout(timer);
      if (answer === undefined) {
        this.#lastError = undefined;
        this.#set("reachable");
      } else {
        this.#set("unreachable", answer);
      }
    } finally {
      this.#probing = false;
      this.#schedule(this.#intervalMs);
    }
  }

  #set(status: RedisStatus, cause?: string): void {
    const previous = this.#state;
    if (previous.status === status) {
      // Same state: keep its start, refresh the cause (a refused connect becomes a timeout).
      if (cause !== undefined) this.#state = { ...previous, cause };
      return;
    }
    const now = this.#now();
    this.#state = { status, since: now, ...(cause === undefined ? {} : { cause }) };
    const redis = this.url;
    if (status === "reachable") {
      if (previous.status === "connecting") this.#logger.info({ redis }, "Redis reachable");
      else
        this.#logger.warn(
          { redis, outageMs: now - previous.since },
          `Redis reachable again after ${((now - previous.since) / 1000).toFixed(1)} s`,
        );
    } else if (status === "unreachable") {
      this.#logger.error(
        { redis, cause },
        `Redis unreachable: ${cause}; the API answers 503 and work waits until it answers again`,
      );
    }
    for (const listener of [...this.#listeners]) listener(this.#state);
  }
}
