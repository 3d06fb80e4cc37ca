import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * How receivers know a message came from us. With a secret set, every request carries
 *
 *   X-SMC-Waves-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the MAC, so a receiver that refuses stale `t` (five minutes, say) also
 * refuses replays. DingTalk robots check their own scheme instead (`dingTalkSignedUrl`).
 */
export const SIGNATURE_HEADER = "x-smc-waves-signature";

const mac = (secret: string, timestampSec: number, body: string): Buffer =>
  createHmac("sha256", secret).update(`${timestampSec}.${body}`).digest();

export function signatureHeader(secret: string, body: string, timestampSec: number): string {
  return `t=${timestampSec},v1=${mac(secret, timestampSec, body).toString("hex")}`;
}

/**
 * Whether `header` is a valid signature of `body` made within `toleranceSec` of `nowSec`: what a
 * receiver runs (docs/operations.md shows the same in a few lines of plain Node).
 */
export function verifySignature(
  secret: string,
  body: string,
  header: string,
  nowSec: number,
  toleranceSec = 300,
): boolean {
  const fields = new Map(
    header.split(",").map((part) => {
      const at = part.indexOf("=");
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get("t"));
  const given = Buffer.from(fields.get("v1") ?? "", "hex");
  if (!Number.isSafeInteger(t) || Math.abs(nowSec - t) > toleranceSec) return false;
  const expected = mac(secret, t, body);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * DingTalk's custom-robot signing: `sign` = base64(HMAC-SHA256(secret, "<timestamp ms>\n<secret>")),
 * sent with `timestamp` as query parameters. DingTalk refuses a timestamp over an hour off.
 */
export function dingTalkSignedUrl(url: string, secret: string, timestampMs: number): string {
  const sign = createHmac("sha256", secret).update(`${timestampMs}\n${secret}`).digest("base64");
  const signed = new URL(url);
  signed.searchParams.set("timestamp", String(timestampMs));
  signed.searchParams.set("sign", sign);
  return signed.toString();
}
