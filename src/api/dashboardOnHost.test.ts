import Fastify, { type FastifyInstance, type FastifyPluginAsync } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_DASHBOARD_PATH, DASHBOARD_PATH, mountQueueDashboard } from "./queueDashboard.ts";

// bull-board's real pages and assets, with no queues (nothing here needs Redis): the read-only
// board, and the admins' one in a child scope, as the server mounts them.
let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  await mountQueueDashboard(app, { queues: [], readOnly: true, path: DASHBOARD_PATH });
  const adminBoard: FastifyPluginAsync = async (admin) => {
    await mountQueueDashboard(admin, { queues: [], readOnly: false, path: ADMIN_DASHBOARD_PATH });
  };
  await app.register(adminBoard);
  await app.ready();
});
afterAll(() => app.close());

describe("the dashboard stays on this host", () => {
  it.each([DASHBOARD_PATH, ADMIN_DASHBOARD_PATH])(
    "serves bull-board's page at %s with its fonts from here and a CSP that allows no other host",
    async (path) => {
      const page = await app.inject({ url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
      expect(page.headers["content-security-policy"]).toMatch(/^default-src 'self' /);
      expect(page.headers["content-security-policy"]).not.toMatch(/https?:|\*/);
      expect(page.body).not.toMatch(/https?:\/\//);
      const stylesheet = /<link href="([^"]+\/fonts\/ibm-plex\.css)" rel="stylesheet">/.exec(
        page.body,
      )?.[1];
      expect(stylesheet).toMatch(/^\/dashboard(\/admin)?\/fonts\/ibm-plex\.css$/);
      expect((await app.inject({ url: stylesheet ?? "" })).statusCode).toBe(200);
      // The page's own scripts still load.
      const scripts = [...page.body.matchAll(/src="(static\/js\/[^"]+)"/g)].map(
        (match) => match[1],
      );
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts) {
        expect((await app.inject({ url: `${path}/${script}` })).statusCode).toBe(200);
      }
    },
  );

  it("serves IBM Plex Sans and Mono in the weights bull-board asks for, every file the stylesheet names", async () => {
    const css = await app.inject({ url: "/dashboard/fonts/ibm-plex.css" });
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toBe("text/css; charset=utf-8");
    const faces = new Set(
      [...css.body.matchAll(/font-family: '([^']+)';[^}]*font-weight: (\d+)/g)].map(
        ([, family, weight]) => `${family} ${weight}`,
      ),
    );
    expect([...faces].sort()).toEqual([
      "IBM Plex Mono 400",
      "IBM Plex Mono 500",
      "IBM Plex Sans 400",
      "IBM Plex Sans 500",
      "IBM Plex Sans 600",
    ]);
    const files = [...css.body.matchAll(/url\(([^)]+)\)/g)].map((match) => match[1] ?? "");
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      expect(file).toMatch(/^files\/ibm-plex-(sans|mono)-[\w-]+\.woff2?$/);
      const font = await app.inject({ url: `/dashboard/fonts/${file}` });
      expect(font.statusCode, file).toBe(200);
      expect(font.headers["content-type"]).toBe(
        file.endsWith(".woff2") ? "font/woff2" : "font/woff",
      );
      expect(font.rawPayload.length).toBeGreaterThan(1000);
    }
  });

  it("serves no file the stylesheet does not name", async () => {
    for (const url of [
      "/dashboard/fonts/files/unknown.woff2",
      "/dashboard/fonts/files/..%2F..%2Fpackage.json",
      "/dashboard/fonts/files/..%2F400.css",
    ]) {
      expect((await app.inject({ url })).statusCode, url).toBe(404);
    }
  });
});
