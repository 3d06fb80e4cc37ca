/**
 * The plan commands' way to the daemon: its HTTP API at `--server` or `SMC_WAVES_URL`
 * (default http://127.0.0.1:8080), with the token from `SMC_WAVES_API_TOKEN`.
 */
import type { PlanSummary, PlanView } from "../orchestrator/views.ts";

const DEFAULT_SERVER = "http://127.0.0.1:8080";

/** Exit codes every plan command shares. */
export const EXIT = { ok: 0, invalid: 1, failed: 2, notSucceeded: 3 } as const;

/** The daemon could not be reached or said no; `exitCode` says which. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly exitCode: number,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export class ApiClient {
  readonly #server: string;
  readonly #token: string | undefined;

  constructor(server: string | undefined, env: Readonly<Record<string, string | undefined>>) {
    this.#server = (server ?? env.SMC_WAVES_URL ?? DEFAULT_SERVER).replace(/\/+$/, "");
    this.#token = env.SMC_WAVES_API_TOKEN || undefined;
  }

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
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new ApiError(
        `cannot reach the smc-waves daemon at ${this.#server} (${cause}); start it with 'smc-waves daemon' or point --server / SMC_WAVES_URL at it`,
        EXIT.failed,
      );
    }
    if (response.status === 401) {
      throw new ApiError(
        `the daemon at ${this.#server} refused the request: ${this.#token ? "SMC_WAVES_API_TOKEN is not its token" : "it needs a token; set SMC_WAVES_API_TOKEN"}`,
        EXIT.failed,
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
      const exitCode = response.status === 400 ? EXIT.invalid : EXIT.failed;
      throw new ApiError(
        payload.message ?? `the daemon answered HTTP ${response.status}`,
        exitCode,
        payload,
      );
    }
    return payload as T;
  }

  listPlans(): Promise<{ plans: PlanSummary[] }> {
    return this.json("GET", "/api/plans");
  }

  getPlan(planId: string): Promise<PlanView> {
    return this.json("GET", `/api/plans/${encodeURIComponent(planId)}`);
  }
}

/** Runs a command body, turning ApiError into its message and exit code. */
export async function withApiErrors(body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    console.error(`smc-waves: ${error.message}`);
    return error.exitCode;
  }
}
