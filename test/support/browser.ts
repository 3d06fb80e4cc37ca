import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); .ci/run installs it. */
const CHROMIUM = "/usr/bin/chromium";

export const chromiumMissing = !existsSync(CHROMIUM);

/** Headless Chromium with none of its own background traffic (updates, sync, QUIC probes). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What pages tried that an air-gapped operations network would notice. */
export interface OffHostRecord {
  /** Requests to any origin but the daemon's (each one aborted, so none waits for a timeout). */
  requests: string[];
  /** Chromium's console reports of loads the page's CSP refused (they never become requests). */
  refusedByCsp: string[];
}

/**
 * Watches every page of `context`: a request to an origin other than `origin` is recorded and
 * aborted, and so is each load the page's Content Security Policy refused. Other console errors
 * (a 401 while signing in, say) are no concern of this record.
 */
export async function watchOffHost(
  context: BrowserContext,
  origin: string,
): Promise<OffHostRecord> {
  const record: OffHostRecord = { requests: [], refusedByCsp: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    record.requests.push(url);
    return route.abort("blockedbyclient");
  });
  context.on("page", (page) => {
    page.on("console", (message) => {
      const text = message.text();
      if (text.includes("Content Security Policy")) record.refusedByCsp.push(text);
    });
  });
  return record;
}
