/**
 * `redis://user:secret@host:6379` as `redis://user:***@host:6379`: a URL that may carry a password
 * (a Redis URL), fit for a log line, an error or a banner. Text that is not a URL comes back as is.
 */
export function maskedUrl(text: string): string {
  try {
    const url = new URL(text);
    return url.password ? text.replace(`:${url.password}@`, ":***@") : text;
  } catch {
    return text;
  }
}
