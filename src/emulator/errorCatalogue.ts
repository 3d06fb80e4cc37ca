/**
 * Every error the emulator can answer, with the service's HTTP status and exact message (from the
 * Chinese reference where it gives one, from the POP gateway otherwise). Handlers throw `ApiError`;
 * `renderError` (responseRenderer.ts) turns it into the service's body. Azurite's StorageErrorFactory
 * is the model: one closed table, no ad-hoc error bodies anywhere else.
 */

interface CatalogueEntry {
  status: number;
  message: string;
}

const INTERNAL =
  "An error occurred while processing your request. Please try again. If the problem still exists, please submit a ticket.";

const ERROR_CATALOGUE = {
  // Gateway errors any action can return.
  MissingParameter: {
    status: 400,
    message: "The input parameter that is mandatory for processing this request is not supplied.",
  },
  InvalidParameter: { status: 400, message: "The specified parameter is not valid." },
  "InvalidAccessKeyId.NotFound": { status: 404, message: "Specified access key is not found." },
  SignatureDoesNotMatch: {
    status: 400,
    message: "Specified signature is not matched with our calculation. server string to sign is:",
  },
  "InvalidTimeStamp.Expired": {
    status: 400,
    message: "Specified time stamp or date value is expired.",
  },
  SignatureNonceUsed: { status: 400, message: "Specified signature nonce was used already." },
  "InvalidAction.NotFound": {
    status: 404,
    message: "Specified api is not found, please check your url and method.",
  },
  InvalidVersion: { status: 400, message: "Specified parameter Version is not valid." },
  Throttling: { status: 400, message: "Request was denied due to request throttling." },
  "Throttling.User": { status: 400, message: "Request was denied due to user flow control." },
  "Throttling.Api": { status: 400, message: "Request was denied due to api flow control." },
  ServiceUnavailable: {
    status: 503,
    message: "The request has failed due to a temporary failure of the server.",
  },
  InternalError: { status: 500, message: INTERNAL },
  InternalServerError: { status: 500, message: INTERNAL },
  // Source servers.
  "SourceServerState.Invalid": {
    status: 400,
    message: "The specified source server status is invalid.",
  },
  "SourceServer.WithRunningReplicationJob": {
    status: 400,
    message: "The specified source server has related replication jobs that are running.",
  },
  "ReplicationJob.Related": {
    status: 400,
    message: "The specified source server has related replication jobs.",
  },
  "SourceServerName.Duplicate": {
    status: 400,
    message:
      "The specified source server name already exists. Please modify the source server name.",
  },
  // Replication jobs.
  "ReplicationJobDataDiskIndex.Invalid": {
    status: 400,
    message: "The specified replication job contains data disk index not found in source server.",
  },
  "VSwitchIdVpcId.Mismatch": {
    status: 400,
    message: "The specified VSwitchId and VpcId does not match.",
  },
  "InvalidSecurityGroupId.IncorrectNetworkType": {
    status: 400,
    message: "The network type of the specified security group does not support this action.",
  },
  "InvalidSecurityGroupId.VPCMismatch": {
    status: 400,
    message:
      "The specified security group and the specified virtual switch are not in the same VPC.",
  },
  "QuotaExceeded.ReplicationJob": {
    status: 400,
    message:
      "The maximum number of replication jobs is exceeded. Please submit a ticket to raise the quota.",
  },
  "ReplicationJobName.Duplicate": {
    status: 400,
    message: "The specified replication job name already exists.",
  },
  "ReplicationJob.InvalidStatus": {
    status: 400,
    message: "The specified replication job status is invalid.",
  },
  "DataDisk.DuplicateIndex": {
    status: 400,
    message: "The source server data disk cannot contain the same index.",
  },
  // [model] not in the reference: a SourceId or JobId that does not exist (see MODEL.md).
  "InvalidSourceId.NotFound": { status: 404, message: "The specified SourceId does not exist." },
  "InvalidJobId.NotFound": { status: 404, message: "The specified JobId does not exist." },
  // Tags.
  "NumberExceed.Tags": {
    status: 400,
    message: "The maximum number of the Tag parameters cannot exceed 20.",
  },
  "MissingParameter.ResourceType": { status: 400, message: "You must specify ResourceType." },
  "InvalidResourceType.NotFound": {
    status: 400,
    message: "The specified ResourceType does not exist.",
  },
  "NumberExceed.ResourceIds": {
    status: 400,
    message: "The maximum number of ResourceId parameters cannot exceed 50.",
  },
  "Duplicate.ResourceId": { status: 400, message: "The ResourceId contains duplicate values." },
  "InvalidResourceId.NotFound": { status: 400, message: "The specified ResourceIds do not exist." },
  "InvalidParameter.TagValue": {
    status: 400,
    message: "The Tag.N.Value parameter cannot be specified without Tag.N.Key.",
  },
} satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** An error a handler throws; rendered in the service's wire format with the catalogue's status. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: string;
  readonly status: number;

  /** `wireCode` refines a catalogued code on the wire (`MissingParameter.SourceId`). */
  constructor(code: ErrorCode, message?: string, wireCode?: string) {
    const entry: CatalogueEntry = ERROR_CATALOGUE[code];
    super(message ?? entry.message);
    this.code = wireCode ?? code;
    this.status = entry.status;
  }
}

/** `MissingParameter.<Name>`: how the service reports a missing action parameter. */
export function missingActionParameter(name: string): ApiError {
  return name === "ResourceType"
    ? new ApiError("MissingParameter.ResourceType")
    : new ApiError("MissingParameter", `You must specify ${name}.`, `MissingParameter.${name}`);
}

/** A missing common (gateway) parameter, with the gateway's message. */
export function missingParameter(name: string): ApiError {
  return new ApiError(
    "MissingParameter",
    `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
  );
}

/** An invalid value: names the parameter, quotes the value, says what would be valid. */
export function invalidParameter(name: string, value: string, expected: string): ApiError {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return new ApiError(
    "InvalidParameter",
    `The specified parameter "${name}" is not valid: got ${JSON.stringify(shown)}, expected ${expected}.`,
  );
}

/** The internal error as each action spells it (contract, section 3's last note). */
export function internalErrorFor(action: string): ApiError {
  return new ApiError(
    action === "ModifyReplicationJobAttribute" || !MUTATING_WITH_SERVER_ERROR.has(action)
      ? "InternalError"
      : "InternalServerError",
  );
}

/** Actions whose reference lists `InternalServerError`; the rest answer the gateway's `InternalError`. */
const MUTATING_WITH_SERVER_ERROR: ReadonlySet<string> = new Set([
  "DeleteSourceServer",
  "ModifySourceServerAttribute",
  "CreateReplicationJob",
  "DeleteReplicationJob",
  "StartReplicationJob",
  "StopReplicationJob",
  // [model] the contract's §5 action; the service documents no internal error for it.
  "CutOverReplicationJob",
]);
