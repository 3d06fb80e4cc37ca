import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A value that must never reach a log, an error or a JSON dump: a signing secret, or a webhook URL
 * (Slack and DingTalk URLs carry their access token). Every way of printing it prints
 * `[redacted]`; only `reveal()` gives the value, at the one place that sends it.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/**
 * A URL as logs and errors may show it: scheme, host and port only; undefined for text that is not
 * a URL. The path and query of a chat webhook are its credential (`/services/T…/B…/xyz`,
 * `?access_token=…`).
 */
export function maskUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    const rest = url.pathname !== "/" || url.search !== "" ? "/…" : "/";
    return `${url.protocol}//${url.host}${rest}`;
  } catch {
    return undefined;
  }
}

/** `text` with every appearance of `url`'s credential parts (path and query) replaced by "…". */
export function scrubUrl(text: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  const secrets = [
    url,
    `${parsed.pathname}${parsed.search}`,
    parsed.search.slice(1),
    parsed.pathname,
  ]
    .filter((part) => part.length > 1)
    .sort((a, b) => b.length - a.length);
  return secrets.reduce((scrubbed, part) => scrubbed.split(part).join("…"), text);
}
