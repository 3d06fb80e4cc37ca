/**
 * What an HTTP answer means: a JSON object on 2xx is the result; a body with `Code` is the service's
 * error; anything else (an HTML 502 from a proxy, an empty body, truncated JSON) becomes an SmcError
 * with an `Http.*` code of ours, never a SyntaxError.
 */
import { type ClientErrorCode, SmcError } from "./errors.ts";
import type { HttpResponse } from "./httpTransport.ts";
import { isRawObject, type RawObject, str } from "./rpcDecoding.ts";
import { percentEncode } from "./signature.ts";

/** The result object of a successful call, or throws the SmcError the answer stands for. */
export function interpretResponse(
  action: string,
  response: HttpResponse,
  secrets: readonly string[],
): RawObject {
  const parsed = parseJson(response.body);
  const ok = response.status >= 200 && response.status < 300;
  if (ok && isRawObject(parsed)) return parsed;
  if (isRawObject(parsed) && str(parsed, "Code") !== "") {
    return throwServiceError(action, response.status, parsed, secrets);
  }
  throw new SmcError({
    code: unexpectedBodyCode(response.status),
    message: `${action}: HTTP ${response.status} with a body that is not an SMC answer (${redact(describeBody(response), secrets)})`,
    httpStatus: response.status,
    requestId: isRawObject(parsed) ? str(parsed, "RequestId") : "",
    recommend: "",
    action,
  });
}

function throwServiceError(
  action: string,
  status: number,
  body: RawObject,
  secrets: readonly string[],
): never {
  throw new SmcError({
    code: str(body, "Code"),
    // SignatureDoesNotMatch quotes the server's StringToSign, which holds the SecurityToken.
    message: redact(str(body, "Message") || `${action} failed`, secrets),
    httpStatus: status,
    requestId: str(body, "RequestId"),
    recommend: redact(str(body, "Recommend"), secrets),
    action,
  });
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function unexpectedBodyCode(status: number): ClientErrorCode {
  if (status === 502) return "Http.BadGateway";
  if (status === 503) return "Http.ServiceUnavailable";
  if (status === 504) return "Http.GatewayTimeout";
  if (status >= 500) return "Http.ServerError";
  return "Http.UnexpectedBody";
}

/**
 * The body's type and size, and an HTML page's title: enough to recognise "nginx 502" without
 * quoting the body, which a proxy may have filled with our request URL (and so the Signature).
 */
function describeBody(response: HttpResponse): string {
  const type = response.contentType.split(";")[0]?.trim() || "no content-type";
  const size = `${Buffer.byteLength(response.body)} bytes`;
  const title = /<title>([^<]{1,100})<\/title>/i.exec(response.body)?.[1]?.trim();
  return title ? `${type}, ${size}, title "${title}"` : `${type}, ${size}`;
}

/** Replaces every secret, raw and in the encodings a gateway may echo it in, with `***`. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Short strings would blank out ordinary words; real secrets and signatures are 16+ characters.
    if (secret.length < 8) continue;
    const once = percentEncode(secret);
    const forms = new Set([secret, once, percentEncode(once), encodeURIComponent(secret)]);
    for (const form of [...forms].sort((a, b) => b.length - a.length))
      out = out.split(form).join("***");
  }
  return out;
}
