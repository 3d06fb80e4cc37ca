import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FastifyInstance } from "fastify";

const GOOGLE_FONTS_LINK = /<link\b[^>]*\bhref="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>/g;

/**
 * Bull-board's page, as served, may load only from this daemon: scripts, styles, data, workers
 * and fonts alike (its code uses inline styles, eval and blob: workers, so those stay allowed).
 * A request to any other host is refused by the browser even if a future bull-board adds one.
 */
const DASHBOARD_CSP = "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:";

/**
 * Keeps the dashboard at `path` on this host, for operations networks with no way out: bull-board's
 * Google Fonts link becomes a stylesheet of the same fonts served at `<path>/fonts/`, and its pages
 * get a CSP that allows no other host. Call before bull-board is registered on `scope`, so the hook
 * covers it (and any board registered in a child scope later).
 */
export async function keepDashboardOnHost(scope: FastifyInstance, path: string): Promise<void> {
  const fontsPath = `${path}/fonts`;
  const require = createRequire(import.meta.url);
  // What bull-board's page asks Google Fonts for (IBM Plex Sans 400/500/600, IBM Plex Mono
  // 400/500), from the @fontsource packages instead.
  const faces = [
    {
      folder: dirname(require.resolve("@fontsource/ibm-plex-sans/package.json")),
      weights: ["400", "500", "600"],
    },
    {
      folder: dirname(require.resolve("@fontsource/ibm-plex-mono/package.json")),
      weights: ["400", "500"],
    },
  ];
  /** Font file name → its path: the only files served, so no path reaches beyond them. */
  const fontFiles = new Map<string, string>();
  const sheets: string[] = [];
  for (const { folder, weights } of faces) {
    for (const weight of weights) {
      const css = await readFile(join(folder, `${weight}.css`), "utf8");
      sheets.push(
        css.replace(/url\(\.\/files\/([\w.-]+)\)/g, (_match, name: string) => {
          fontFiles.set(name, join(folder, "files", name));
          return `url(files/${name})`;
        }),
      );
    }
  }
  const stylesheet = sheets.join("\n");

  scope.get(`${fontsPath}/ibm-plex.css`, async (_request, reply) =>
    reply
      .type("text/css; charset=utf-8")
      .header("cache-control", "public, max-age=86400")
      .send(stylesheet),
  );
  scope.get<{ Params: { file: string } }>(`${fontsPath}/files/:file`, async (request, reply) => {
    const path = fontFiles.get(request.params.file);
    if (!path) return reply.callNotFound();
    return reply
      .type(path.endsWith(".woff2") ? "font/woff2" : "font/woff")
      .header("cache-control", "public, max-age=604800")
      .send(await readFile(path));
  });

  scope.addHook("onSend", async (_request, reply, payload) => {
    const type = String(reply.getHeader("content-type") ?? "");
    if (!type.startsWith("text/html") || typeof payload !== "string") return payload;
    reply.header("content-security-policy", DASHBOARD_CSP);
    return payload.replace(
      GOOGLE_FONTS_LINK,
      `<link href="${fontsPath}/ibm-plex.css" rel="stylesheet">`,
    );
  });
}
