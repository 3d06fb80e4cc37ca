/**
 * The POP gateway's checks, in its order: common parameters present, Version, Action, signature
 * method, Timestamp window, AccessKeyId, STS token, signature, nonce. The signature is recomputed
 * from the decoded parameters with the project's one signer (src/smc/signature.ts), never by
 * comparing wire strings: clients differ in how they escape `*`, `~` and spaces.
 */
import { timingSafeEqual } from "node:crypto";
import { type HttpMethod, signString, stringToSign } from "../smc/signature.ts";
import { ApiError, invalidParameter, missingParameter } from "./errorCatalogue.ts";
import type { NonceCache } from "./nonceCache.ts";
import { parseWireTime } from "./paramReader.ts";

/** An access key the emulator accepts. */
export interface EmulatorCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /**
   * The STS token calls with this key must carry. [model] Keys whose id starts with `STS.` always
   * need a SecurityToken; when this is set it must match exactly.
   */
  securityToken?: string;
}

const API_VERSION = "2019-06-01";

/** ±15 minutes: how far a request's Timestamp may be from real now. */
const TIMESTAMP_WINDOW_MS = 15 * 60_000;

const COMMON = [
  "Action",
  "Version",
  "AccessKeyId",
  "Signature",
  "SignatureMethod",
  "SignatureVersion",
  "SignatureNonce",
  "Timestamp",
];

export interface Authenticator {
  credentials: ReadonlyMap<string, EmulatorCredential>;
  nonces: NonceCache;
  /** Real time (ms): Timestamps are signed with the caller's wall clock, not the emulated one. */
  realNow: () => number;
  knownAction: (action: string) => boolean;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Throws the gateway's ApiError for the first failed check; returns the verified action name. */
export function authenticate(
  method: HttpMethod,
  params: ReadonlyMap<string, string>,
  auth: Authenticator,
): string {
  for (const name of COMMON) {
    if (!params.get(name)) throw missingParameter(name);
  }
  const get = (name: string): string => params.get(name) ?? "";
  if (get("Version") !== API_VERSION) throw new ApiError("InvalidVersion");
  const action = get("Action");
  if (!auth.knownAction(action)) throw new ApiError("InvalidAction.NotFound");
  if (get("SignatureMethod") !== "HMAC-SHA1")
    throw invalidParameter("SignatureMethod", get("SignatureMethod"), "HMAC-SHA1");
  if (get("SignatureVersion") !== "1.0")
    throw invalidParameter("SignatureVersion", get("SignatureVersion"), "1.0");

  const timestamp = parseWireTime(get("Timestamp"));
  if (timestamp === null)
    throw invalidParameter("Timestamp", get("Timestamp"), "a UTC time as yyyy-MM-ddTHH:mm:ssZ");
  if (Math.abs(timestamp - auth.realNow()) > TIMESTAMP_WINDOW_MS)
    throw new ApiError("InvalidTimeStamp.Expired");

  const credential = auth.credentials.get(get("AccessKeyId"));
  if (!credential) throw new ApiError("InvalidAccessKeyId.NotFound");
  const token = params.get("SecurityToken");
  const needsToken =
    credential.accessKeyId.startsWith("STS.") || credential.securityToken !== undefined;
  if (needsToken && !token) throw missingParameter("SecurityToken");
  if (needsToken && credential.securityToken !== undefined && token !== credential.securityToken) {
    // The token is a secret: never quote it back.
    throw new ApiError("InvalidParameter", 'The specified parameter "SecurityToken" is not valid.');
  }

  const signed = Object.fromEntries(params);
  const serverStringToSign = stringToSign(method, signed);
  if (!safeEqual(signString(credential.accessKeySecret, serverStringToSign), get("Signature"))) {
    // [model] the service quotes its whole StringToSign; a SecurityToken in it is a secret, so the
    // emulator shows the string with the token's value replaced by "***".
    const shown = token
      ? stringToSign(method, { ...signed, SecurityToken: "***" })
      : serverStringToSign;
    throw new ApiError(
      "SignatureDoesNotMatch",
      `Specified signature is not matched with our calculation. server string to sign is:${shown}`,
    );
  }
  if (auth.nonces.used(get("SignatureNonce"), auth.realNow()))
    throw new ApiError("SignatureNonceUsed");
  return action;
}
