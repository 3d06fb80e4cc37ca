/**
 * The plan commands' way to the daemon: its HTTP API at `--server` or `SMC_WAVES_URL`
 * (default http://127.0.0.1:8080), with the token from `SMC_WAVES_API_TOKEN`.
 */
import type { PlanDetail, PlanSummary, ServerPage } from "../orchestrator/views.ts";
import { EXIT, type ExitCode } from "./exitCodes.ts";

const DEFAULT_SERVER = "http://127.0.0.1:8080";
/** A daemon that has not answered in this long is stuck; its own routes answer within seconds. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The daemon could not be reached or said no; `exitCode` says which (see exitCodes.ts). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

/** The exit code for an HTTP status: the request was wrong (1), or refused or failed (2). */
function exitCodeFor(status: number): ExitCode {
  return status === 400 || status === 404 || status === 413 || status === 415
    ? EXIT.invalid
    : EXIT.refused;
}

export class ApiClient {
  readonly #server: string;
  readonly #token: string | undefined;

  constructor(server: string | undefined, env: Readonly<Record<string, string | undefined>>) {
    this.#server = (server ?? env.SMC_WAVES_URL ?? DEFAULT_SERVER).replace(/\/+$/, "");
    this.#token = env.SMC_WAVES_API_TOKEN || undefined;
  }

  /** The response of any status but 401, 403 and 503 (which become an ApiError saying what to do). */
  async request(
    method: "GET" | "POST",
    path: string,
    body?: { text: string; type: string },
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.#server}${path}`, {
        method,
        headers: {
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
          ...(body ? { "content-type": body.type } : {}),
        },
        ...(body ? { body: body.text } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      if ((error as Error).name === "TimeoutError") {
        throw new ApiError(
          `the smc-waves daemon at ${this.#server} did not answer within ${REQUEST_TIMEOUT_MS / 1000} s; its log says why`,
          EXIT.refused,
        );
      }
      // fetch says "fetch failed"; the cause says why (ECONNREFUSED, or "bad port" for one it blocks).
      const { cause } = error as { cause?: { code?: string; message?: string } };
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new ApiError(
        `cannot reach the smc-waves daemon at ${this.#server} (${why}); start it with 'smc-waves daemon' or point --server / SMC_WAVES_URL at it`,
        EXIT.refused,
      );
    }
    if (response.status === 401) {
      throw new ApiError(
        `the daemon at ${this.#server} refused the request: ${this.#token ? "SMC_WAVES_API_TOKEN is not one of its tokens" : "it needs a token; set SMC_WAVES_API_TOKEN"}`,
        EXIT.refused,
      );
    }
    if (response.status === 403) {
      // The daemon's message names the token, its role and the role needed.
      const payload = (await response.json().catch(() => ({}))) as { message?: string };
      throw new ApiError(
        `the daemon at ${this.#server} refused the request: ${payload.message ?? "this token's role does not allow it"} (smc-waves whoami shows the token's role; an admin can give you a token with another)`,
        EXIT.refused,
        payload,
      );
    }
    if (response.status === 503) {
      const payload = (await response.json().catch(() => ({}))) as {
        error?: string;
        message?: string;
      };
      throw new ApiError(
        payload.error === "redis_unavailable"
          ? `the daemon at ${this.#server} is up but its Redis is unreachable: ${payload.message ?? "no detail"}`
          : `the daemon at ${this.#server} cannot answer now (HTTP 503): ${payload.message ?? "no detail"}`,
        EXIT.refused,
        payload,
      );
    }
    return response;
  }

  async json<T>(
    method: "GET" | "POST",
    path: string,
    body?: { text: string; type: string },
  ): Promise<T> {
    const response = await this.request(method, path, body);
    const payload = (await response.json().catch(() => ({}))) as { message?: string };
    if (!response.ok) {
      throw new ApiError(
        payload.message ?? `the daemon answered HTTP ${response.status}`,
        exitCodeFor(response.status),
        payload,
      );
    }
    return payload as T;
  }

  listPlans(): Promise<{ plans: PlanSummary[] }> {
    return this.json("GET", "/api/plans");
  }

  getPlan(planId: string): Promise<PlanDetail> {
    return this.json("GET", `/api/plans/${encodeURIComponent(planId)}`);
  }

  /** One page of the plan's servers; `query` as `GET /api/plans/:id/servers` takes it. */
  serverPage(planId: string, query: Record<string, string>): Promise<ServerPage> {
    const search = new URLSearchParams(query).toString();
    return this.json("GET", `/api/plans/${encodeURIComponent(planId)}/servers?${search}`);
  }
}
