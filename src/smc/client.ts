/**
 * The SMC client: typed methods over one generic RPC `call`. It signs (signature v1), sends over a
 * keep-alive agent, unwraps responses into types.ts shapes and turns every failure into an SmcError.
 * It never retries: the orchestrator decides that with `classify()` and retry.ts, because only it
 * knows whether a create is safe to repeat (same ClientToken) and how much time it has.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { inspect } from "node:util";
import { type Clock, systemClock } from "../platform/clock.ts";
import type { Credentials, CredentialsProvider } from "./credentials.ts";
import { isSmcError } from "./errors.ts";
import { HttpTransport } from "./httpTransport.ts";
import { batches, collectPages, MAX_PAGE_SIZE } from "./paging.ts";
import type {
  Acknowledged,
  CallOptions,
  CutOverReplicationJobRequest,
  DeleteSourceServerRequest,
  DescribeReplicationJobsRequest,
  DescribeSourceServersRequest,
  JobIdRequest,
  ListTagResourcesRequest,
  ListTagResourcesResult,
  ModifyReplicationJobAttributeRequest,
  ModifySourceServerAttributeRequest,
  ReplicationJobFilter,
  SourceServerFilter,
  TagResourcesRequest,
  UntagResourcesRequest,
} from "./requests.ts";
import {
  decodeListTagResources,
  decodePage,
  decodeReplicationJob,
  decodeSourceServer,
  type RawObject,
  str,
} from "./rpcDecoding.ts";
import {
  encodeCreateReplicationJob,
  encodeDeleteSourceServer,
  encodeDescribeReplicationJobs,
  encodeDescribeSourceServers,
  encodeListTagResources,
  encodeModifyReplicationJobAttribute,
  encodeModifySourceServerAttribute,
  encodeTagResources,
  encodeUntagResources,
  toWireParams,
} from "./rpcEncoding.ts";
import { interpretResponse } from "./rpcResponse.ts";
import { type HttpMethod, sign, type WireParams } from "./signature.ts";
import type { CreateReplicationJobRequest, Page, ReplicationJob, SourceServer } from "./types.ts";

const SMC_API_VERSION = "2019-06-01";
const DEFAULT_SMC_ENDPOINT = "https://smc.aliyuncs.com";

/** One finished call, for logs and metrics. */
export interface SmcCallEvent {
  action: string;
  /** Real (not emulated) milliseconds from sending to the answer or failure. */
  durationMs: number;
  ok: boolean;
  /** The error's code when `ok` is false (an aborted call has none). */
  code?: string;
  /** The HTTP status, when a response came back. */
  httpStatus?: number;
}

export interface SmcClientOptions {
  /** The RPC endpoint; point it at the emulator's url in tests. @default "https://smc.aliyuncs.com" */
  endpoint?: string;
  /** Static credentials or a provider called before every request (for rotating STS tokens). */
  credentials: Credentials | CredentialsProvider;
  /** @default "POST" (parameters in a form body: no URL length limit, no secrets in proxy logs) */
  method?: HttpMethod;
  /** Deadline of a whole call, connect to last byte, in real ms. @default 10000 */
  timeoutMs?: number;
  /**
   * Connections open at once to the endpoint; further calls wait in the agent's queue (their
   * `timeoutMs` includes that wait). The service throttles bursts long before this matters.
   * @default 64
   */
  maxSockets?: number;
  /** `RegionId` of `createReplicationJob` when the request leaves it out (the target region). */
  regionId?: string;
  /** `SignatureNonce` source; must be unique per request. @default crypto.randomUUID */
  nonce?: () => string;
  /** The `Timestamp` of each request comes from here. @default systemClock */
  clock?: Clock;
  /** Called after every call; must not throw (an exception from it is ignored). */
  onCall?: (event: SmcCallEvent) => void;
}

/**
 * Options of the `describeAll…` readers, which make one call per page: `eachCall` wraps each of
 * them (the orchestrator retries each page on its own, so one throttled page does not throw the
 * whole listing away). The client itself never retries.
 */
export interface PagedCallOptions extends CallOptions {
  eachCall?: <T>(call: () => Promise<T>) => Promise<T>;
}

/** `createReplicationJob`'s request: `regionId` may come from the client's `regionId` option. */
export type CreateReplicationJobInput = Omit<CreateReplicationJobRequest, "regionId"> & {
  regionId?: string;
};

export class SmcClient {
  readonly endpoint: string;
  readonly method: HttpMethod;
  // Private fields: util.inspect and JSON.stringify of the client never show the credentials.
  readonly #credentials: Credentials | CredentialsProvider;
  readonly #transport: HttpTransport;
  readonly #regionId: string | undefined;
  readonly #nonce: () => string;
  readonly #clock: Clock;
  readonly #callListeners = new Set<(event: SmcCallEvent) => void>();

  constructor(options: SmcClientOptions) {
    this.endpoint = options.endpoint ?? DEFAULT_SMC_ENDPOINT;
    this.method = options.method ?? "POST";
    this.#transport = new HttpTransport(
      this.endpoint,
      options.timeoutMs ?? 10_000,
      options.maxSockets ?? 64,
    );
    this.#credentials = options.credentials;
    this.#regionId = options.regionId;
    this.#nonce = options.nonce ?? randomUUID;
    this.#clock = options.clock ?? systemClock;
    if (options.onCall) this.#callListeners.add(options.onCall);
  }

  /** Hears every call's outcome from now on (as `onCall` does); returns how to stop listening. */
  addCallListener(listener: (event: SmcCallEvent) => void): () => void {
    this.#callListeners.add(listener);
    return () => this.#callListeners.delete(listener);
  }

  /** Closes pooled keep-alive sockets. Calls after this still work but open new connections. */
  close(): void {
    this.#transport.close();
  }

  toJSON(): { endpoint: string; method: HttpMethod } {
    return { endpoint: this.endpoint, method: this.method };
  }

  [inspect.custom](): string {
    return `SmcClient { endpoint: ${JSON.stringify(this.endpoint)}, method: ${this.method} }`;
  }

  /**
   * One RPC call: adds the common parameters, signs, sends, and returns the response object (with
   * `RequestId`), or rejects with an SmcError (or the signal's reason when aborted).
   */
  async call(action: string, params: WireParams, options: CallOptions = {}): Promise<RawObject> {
    const started = performance.now();
    const credentials =
      typeof this.#credentials === "function" ? await this.#credentials() : this.#credentials;
    const common: Record<string, string> = {
      Action: action,
      Version: SMC_API_VERSION,
      Format: "JSON",
      AccessKeyId: credentials.accessKeyId,
      SignatureMethod: "HMAC-SHA1",
      SignatureVersion: "1.0",
      SignatureNonce: this.#nonce(),
      // The gateway wants seconds precision: yyyy-MM-ddTHH:mm:ssZ.
      Timestamp: new Date(this.#clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    if (credentials.securityToken) common.SecurityToken = credentials.securityToken;
    // Common parameters win: an action parameter can never replace Action, AccessKeyId, etc.
    const unsigned = { ...params, ...common };
    const signature = sign(this.method, unsigned, credentials.accessKeySecret);
    const secrets = [credentials.accessKeySecret, credentials.securityToken ?? "", signature];
    let httpStatus: number | undefined;
    try {
      const response = await this.#transport.send(
        action,
        this.method,
        { ...unsigned, Signature: signature },
        options.signal,
      );
      httpStatus = response.status;
      const result = interpretResponse(action, response, secrets);
      this.#report({ action, durationMs: performance.now() - started, ok: true, httpStatus });
      return result;
    } catch (error) {
      const failure: SmcCallEvent = { action, durationMs: performance.now() - started, ok: false };
      if (isSmcError(error)) failure.code = error.code;
      if (httpStatus !== undefined) failure.httpStatus = httpStatus;
      this.#report(failure);
      throw error;
    }
  }

  #report(event: SmcCallEvent): void {
    for (const listener of this.#callListeners) {
      try {
        listener(event);
      } catch {
        // An observer's bug must not turn a successful SMC call into a failure (or hide the real one).
      }
    }
  }

  async #acknowledge(
    action: string,
    params: WireParams,
    options?: CallOptions,
  ): Promise<Acknowledged> {
    return { requestId: str(await this.call(action, params, options), "RequestId") };
  }

  async describeSourceServers(
    request: DescribeSourceServersRequest = {},
    options?: CallOptions,
  ): Promise<Page<SourceServer>> {
    const raw = await this.call(
      "DescribeSourceServers",
      encodeDescribeSourceServers(request),
      options,
    );
    return decodePage(raw, "SourceServers", "SourceServer", decodeSourceServer);
  }

  deleteSourceServer(
    request: DeleteSourceServerRequest,
    options?: CallOptions,
  ): Promise<Acknowledged> {
    return this.#acknowledge("DeleteSourceServer", encodeDeleteSourceServer(request), options);
  }

  modifySourceServerAttribute(
    request: ModifySourceServerAttributeRequest,
    options?: CallOptions,
  ): Promise<Acknowledged> {
    return this.#acknowledge(
      "ModifySourceServerAttribute",
      encodeModifySourceServerAttribute(request),
      options,
    );
  }

  /** Creates a job. Pass a `clientToken` and reuse it on every retry: a retried create then never makes a second job. */
  async createReplicationJob(
    request: CreateReplicationJobInput,
    options?: CallOptions,
  ): Promise<{ jobId: string } & Acknowledged> {
    const regionId = request.regionId ?? this.#regionId;
    if (regionId === undefined || regionId === "") {
      throw new TypeError(
        "createReplicationJob needs a regionId (the target region, e.g. cn-hangzhou): set it on the request or as the client's regionId option",
      );
    }
    const raw = await this.call(
      "CreateReplicationJob",
      encodeCreateReplicationJob({ ...request, regionId }),
      options,
    );
    return { jobId: str(raw, "JobId"), requestId: str(raw, "RequestId") };
  }

  deleteReplicationJob(request: JobIdRequest, options?: CallOptions): Promise<Acknowledged> {
    return this.#acknowledge(
      "DeleteReplicationJob",
      toWireParams({ JobId: request.jobId }),
      options,
    );
  }

  startReplicationJob(request: JobIdRequest, options?: CallOptions): Promise<Acknowledged> {
    return this.#acknowledge(
      "StartReplicationJob",
      toWireParams({ JobId: request.jobId }),
      options,
    );
  }

  stopReplicationJob(request: JobIdRequest, options?: CallOptions): Promise<Acknowledged> {
    return this.#acknowledge("StopReplicationJob", toWireParams({ JobId: request.jobId }), options);
  }

  /**
   * Ends an incremental job between two runs (contract §5): only while it is `Waiting`, else
   * `ReplicationJob.InvalidStatus` (a conflict: re-read the job). With `syncData` the job runs one
   * last time (Running, one more image) before it is `Finished`; without, it finishes at once.
   * A Finished job frees its source but holds its quota slot until deleted.
   */
  cutOverReplicationJob(
    request: CutOverReplicationJobRequest,
    options?: CallOptions,
  ): Promise<Acknowledged> {
    return this.#acknowledge(
      "CutOverReplicationJob",
      toWireParams({ JobId: request.jobId, SyncData: request.syncData }),
      options,
    );
  }

  async describeReplicationJobs(
    request: DescribeReplicationJobsRequest = {},
    options?: CallOptions,
  ): Promise<Page<ReplicationJob>> {
    const raw = await this.call(
      "DescribeReplicationJobs",
      encodeDescribeReplicationJobs(request),
      options,
    );
    return decodePage(raw, "ReplicationJobs", "ReplicationJob", decodeReplicationJob);
  }

  modifyReplicationJobAttribute(
    request: ModifyReplicationJobAttributeRequest,
    options?: CallOptions,
  ): Promise<Acknowledged> {
    return this.#acknowledge(
      "ModifyReplicationJobAttribute",
      encodeModifyReplicationJobAttribute(request),
      options,
    );
  }

  tagResources(request: TagResourcesRequest, options?: CallOptions): Promise<Acknowledged> {
    return this.#acknowledge("TagResources", encodeTagResources(request), options);
  }

  async listTagResources(
    request: ListTagResourcesRequest,
    options?: CallOptions,
  ): Promise<ListTagResourcesResult> {
    return decodeListTagResources(
      await this.call("ListTagResources", encodeListTagResources(request), options),
    );
  }

  untagResources(request: UntagResourcesRequest, options?: CallOptions): Promise<Acknowledged> {
    return this.#acknowledge("UntagResources", encodeUntagResources(request), options);
  }

  /**
   * Every source matching `filter`, paging 50 at a time; more than 50 `sourceIds` are split into
   * batches. A source seen on two pages (the list moved while paging) is returned once.
   */
  async describeAllSourceServers(
    filter: SourceServerFilter = {},
    options: PagedCallOptions = {},
  ): Promise<SourceServer[]> {
    const found = new Map<string, SourceServer>();
    const each = options.eachCall ?? ((call) => call());
    for (const sourceIds of batches(filter.sourceIds)) {
      await collectPages(
        (pageNumber) =>
          each(() =>
            this.describeSourceServers(
              { ...filter, sourceIds, pageNumber, pageSize: MAX_PAGE_SIZE },
              options,
            ),
          ),
        (item) => found.set(item.sourceId, item),
      );
    }
    return [...found.values()];
  }

  /**
   * Every job matching `filter`, paging 50 at a time; more than 50 `jobIds` or `sourceIds` are split
   * into batches of 50 (the service's limit per call). Each job is returned once.
   */
  async describeAllReplicationJobs(
    filter: ReplicationJobFilter = {},
    options: PagedCallOptions = {},
  ): Promise<ReplicationJob[]> {
    const found = new Map<string, ReplicationJob>();
    const each = options.eachCall ?? ((call) => call());
    for (const jobIds of batches(filter.jobIds)) {
      for (const sourceIds of batches(filter.sourceIds)) {
        await collectPages(
          (pageNumber) =>
            each(() =>
              this.describeReplicationJobs(
                { ...filter, jobIds, sourceIds, pageNumber, pageSize: MAX_PAGE_SIZE },
                options,
              ),
            ),
          (item) => found.set(item.jobId, item),
        );
      }
    }
    return [...found.values()];
  }
}
