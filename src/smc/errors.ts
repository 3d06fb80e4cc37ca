/**
 * The one error type of the SMC client and the one decision about it: `classify()`. Service errors
 * keep the service's code; network failures and bodies that are not the service's JSON get codes of
 * ours (`Network.*`, `Http.*`) so that callers only ever handle `SmcError`.
 */

/** What a caller should do about an error. */
export type ErrorClass =
  /** Retry with backoff: the service or the network failed, the request was fine. */
  | "transient"
  /** Slow down and retry; does not mean the request was wrong. */
  | "throttled"
  /** The account's job quota is full: wait for a slot (a job finishing and being deleted). */
  | "quota"
  /** The resource is not in a state that allows this now: re-read state, then decide. */
  | "conflict"
  /** Retrying the same request will fail the same way (auth, parameters, unknown resource). */
  | "permanent";

/** Codes of ours for failures that never reached (or never came back from) the service. */
export const CLIENT_ERROR_CODES = [
  /** No complete response within the client's timeout. */
  "Network.Timeout",
  /** The connection was reset or closed before the response was complete. */
  "Network.Reset",
  /** Could not connect: refused, DNS failure, no route. */
  "Network.Unreachable",
  /** TLS handshake or certificate failure: retrying will not fix a certificate. */
  "Network.Tls",
  /** Any other socket-level failure. */
  "Network.Error",
  /** HTTP 502 whose body is not the service's JSON (a proxy or load balancer answered). */
  "Http.BadGateway",
  /** HTTP 503 whose body is not the service's JSON. */
  "Http.ServiceUnavailable",
  /** HTTP 504 whose body is not the service's JSON. */
  "Http.GatewayTimeout",
  /** Another 5xx whose body is not the service's JSON. */
  "Http.ServerError",
  /** A non-5xx response whose body is not the service's JSON (or is JSON without `Code`). */
  "Http.UnexpectedBody",
] as const;

/** Codes the contract (../shared/spec/smc-api.md) lists, gateway and action errors together. */
export const SERVICE_ERROR_CODES = [
  "InternalError",
  "InternalServerError",
  "ServiceUnavailable",
  "Throttling",
  "Throttling.User",
  "Throttling.Api",
  "QuotaExceeded.ReplicationJob",
  "ReplicationJob.InvalidStatus",
  "SourceServerState.Invalid",
  "SourceServerName.Duplicate",
  "ReplicationJobName.Duplicate",
  "SourceServer.WithRunningReplicationJob",
  "ReplicationJob.Related",
  "MissingParameter",
  "InvalidParameter",
  "InvalidAccessKeyId.NotFound",
  "SignatureDoesNotMatch",
  "InvalidTimeStamp.Expired",
  "SignatureNonceUsed",
  "InvalidAction.NotFound",
  "InvalidVersion",
  "ReplicationJobDataDiskIndex.Invalid",
  "DataDisk.DuplicateIndex",
  "VSwitchIdVpcId.Mismatch",
  "InvalidSecurityGroupId.IncorrectNetworkType",
  "InvalidSecurityGroupId.VPCMismatch",
  "NumberExceed.Tags",
  "NumberExceed.ResourceIds",
  "MissingParameter.ResourceType",
  "InvalidResourceType.NotFound",
  "Duplicate.ResourceId",
  "InvalidResourceId.NotFound",
  "InvalidParameter.TagValue",
  // Not in the contract: what the emulator answers for an id that does not exist (MODEL.md).
  "InvalidJobId.NotFound",
  "InvalidSourceId.NotFound",
] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];
type KnownErrorCode = ClientErrorCode | ServiceErrorCode;

const KNOWN_CODES: ReadonlySet<string> = new Set<string>([
  ...CLIENT_ERROR_CODES,
  ...SERVICE_ERROR_CODES,
]);

function isKnownErrorCode(code: string): code is KnownErrorCode {
  return KNOWN_CODES.has(code);
}

export interface SmcErrorFields {
  /** The service's `Code`, or one of ours (`Network.*`, `Http.*`). */
  code: string;
  /** The service's `Message` (or ours); never holds the URL, query, signature, token or secret. */
  message: string;
  /** HTTP status; 0 when no response came back. */
  httpStatus: number;
  /** The service's `RequestId`; "" when there was no service response. */
  requestId: string;
  /** The service's `Recommend` (usually a troubleshooting link); "" when absent. */
  recommend: string;
  /** The SMC action that failed, e.g. `CreateReplicationJob`. */
  action: string;
}

export class SmcError extends Error {
  override readonly name = "SmcError";
  readonly code: string;
  readonly httpStatus: number;
  readonly requestId: string;
  readonly recommend: string;
  readonly action: string;

  constructor(fields: SmcErrorFields) {
    super(fields.message);
    this.code = fields.code;
    this.httpStatus = fields.httpStatus;
    this.requestId = fields.requestId;
    this.recommend = fields.recommend;
    this.action = fields.action;
  }

  /** This error's class; see `classify`. */
  get errorClass(): ErrorClass {
    return classify(this);
  }
}

export function isSmcError(value: unknown): value is SmcError {
  return value instanceof SmcError;
}

function assertNever(value: never): never {
  throw new Error(`unclassified SMC error code ${JSON.stringify(value)}`);
}

/**
 * The class of an error, from its code (and HTTP status for codes nobody catalogued). Pure.
 * Every catalogued code is decided by one exhaustive switch, so adding a code to a catalogue does not
 * compile until someone classifies it; unknown codes fall back to the naming patterns of the service.
 */
export function classify(error: SmcError | string, httpStatus?: number): ErrorClass {
  const code = typeof error === "string" ? error : error.code;
  const status = typeof error === "string" ? httpStatus : error.httpStatus;
  return isKnownErrorCode(code) ? classifyKnown(code) : classifyByPattern(code, status);
}

function classifyKnown(code: KnownErrorCode): ErrorClass {
  switch (code) {
    case "InternalError":
    case "InternalServerError":
    case "ServiceUnavailable":
    case "Network.Timeout":
    case "Network.Reset":
    case "Network.Unreachable":
    case "Network.Error":
    case "Http.BadGateway":
    case "Http.ServiceUnavailable":
    case "Http.GatewayTimeout":
    case "Http.ServerError":
      return "transient";
    case "Throttling":
    case "Throttling.User":
    case "Throttling.Api":
      return "throttled";
    case "QuotaExceeded.ReplicationJob":
      return "quota";
    case "ReplicationJob.InvalidStatus":
    case "SourceServerState.Invalid":
    case "SourceServerName.Duplicate":
    case "ReplicationJobName.Duplicate":
    // Both depend on the source's jobs right now, not on the request: re-read and decide.
    case "SourceServer.WithRunningReplicationJob":
    case "ReplicationJob.Related":
      return "conflict";
    case "Network.Tls":
    case "Http.UnexpectedBody":
    case "MissingParameter":
    case "InvalidParameter":
    case "InvalidAccessKeyId.NotFound":
    case "SignatureDoesNotMatch":
    // A skewed clock or a reused nonce fails again the same way until someone fixes the cause.
    case "InvalidTimeStamp.Expired":
    case "SignatureNonceUsed":
    case "InvalidAction.NotFound":
    case "InvalidVersion":
    case "ReplicationJobDataDiskIndex.Invalid":
    // A request naming one data disk index twice, not a clash with existing state.
    case "DataDisk.DuplicateIndex":
    case "VSwitchIdVpcId.Mismatch":
    case "InvalidSecurityGroupId.IncorrectNetworkType":
    case "InvalidSecurityGroupId.VPCMismatch":
    case "NumberExceed.Tags":
    case "NumberExceed.ResourceIds":
    case "MissingParameter.ResourceType":
    case "InvalidResourceType.NotFound":
    // The same id twice in one request: a parameter error despite the word.
    case "Duplicate.ResourceId":
    case "InvalidResourceId.NotFound":
    case "InvalidParameter.TagValue":
    case "InvalidJobId.NotFound":
    case "InvalidSourceId.NotFound":
      return "permanent";
    default:
      return assertNever(code);
  }
}

/** For codes outside the catalogue: the service's naming conventions, then the HTTP status. */
function classifyByPattern(code: string, httpStatus: number | undefined): ErrorClass {
  if (code.startsWith("Throttling")) return "throttled";
  if (code.startsWith("QuotaExceeded.")) return "quota";
  if (
    code.endsWith(".InvalidStatus") ||
    code.endsWith(".Duplicate") ||
    code.endsWith("State.Invalid")
  ) {
    return "conflict";
  }
  if (httpStatus !== undefined && httpStatus >= 500) return "transient";
  return "permanent";
}
