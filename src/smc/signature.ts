import { createHmac } from "node:crypto";

/** Request parameters as they go on the wire: flat `Name` / `Name.N.Sub` keys, string values. */
export type WireParams = Readonly<Record<string, string>>;

export type HttpMethod = "GET" | "POST";

/**
 * RFC 3986 percent-encoding as the POP gateway wants it: `encodeURIComponent` leaves `! ' ( ) *`
 * literal, the gateway does not, so those five are escaped by hand. Only `A-Z a-z 0-9 - _ . ~` stay.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Every parameter but `Signature`, sorted by plain UTF-16 code-unit order, encoded and joined. */
export function canonicalQuery(params: WireParams): string {
  return Object.keys(params)
    .filter((key) => key !== "Signature")
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? "")}`)
    .join("&");
}

/** `METHOD&%2F&pe(canonicalQuery)`: the canonical query is encoded a second time on purpose. */
export function stringToSign(method: HttpMethod, params: WireParams): string {
  return `${method}&${percentEncode("/")}&${percentEncode(canonicalQuery(params))}`;
}

/** Signature v1: base64(HMAC-SHA1(secret + "&", StringToSign)). */
export function signString(accessKeySecret: string, toSign: string): string {
  return createHmac("sha1", `${accessKeySecret}&`).update(toSign, "utf8").digest("base64");
}

export function sign(method: HttpMethod, params: WireParams, accessKeySecret: string): string {
  return signString(accessKeySecret, stringToSign(method, params));
}
