import { readFile } from "node:fs/promises";
import type { Queue } from "bullmq";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import packageJson from "../../package.json" with { type: "json" };
import type { Migrations } from "../orchestrator/views.ts";
import type { MigrationEvents } from "../platform/events.ts";
import { assertSafeBind, sendUnauthorized, type TokenCheck, tokenCheck } from "./apiAuth.ts";
import { createMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { PLAN_CONTENT_TYPES, planRoutes } from "./planRoutes.ts";
import { mountQueueDashboard } from "./queueDashboard.ts";

export interface ApiServerOptions {
  migrations: Migrations;
  /** Every BullMQ queue of the daemon: shown on the dashboard, counted in /metrics. */
  queues: readonly Queue[];
  events: MigrationEvents;
  /** Reachability for /healthz; a rejection counts as both unreachable. */
  health: () => Promise<{ redis: boolean; smc: boolean }>;
  /** Bearer token every route but /healthz (and the page shell) requires; none means open. */
  token?: string;
  /** bull-board refuses mutations when true. */
  dashboardReadOnly: boolean;
  logger: Logger;
  /** Epoch ms, for validating submitted plans. */
  now: () => number;
  /** Largest request body, bytes. @default 6 MiB (a plan may be 5 MiB) */
  bodyLimit?: number;
}

const WEB = new URL("./web/", import.meta.url);

/** Builds the daemon's HTTP app (API, dashboard, migration view, metrics); does not listen. */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { migrations, queues, events, health, logger, now } = options;
  const check = options.token ? tokenCheck(options.token) : undefined;
  const [indexHtml, appJs] = await Promise.all([
    readFile(new URL("index.html", WEB), "utf8"),
    readFile(new URL("app.js", WEB), "utf8"),
  ]);

  // Typed as fastify's base logger so the app is a plain FastifyInstance for route modules.
  const httpLogger: FastifyBaseLogger = logger.child({ component: "http" });
  const app = Fastify({
    loggerInstance: httpLogger,
    // A migration view polling every 2 s would bury the log in request lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 6 * 1024 * 1024,
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const message =
        status === 415
          ? `Send the plan as YAML text with Content-Type ${PLAN_CONTENT_TYPES.join(", ")}`
          : error.message;
      return reply
        .code(status)
        .send({ error: status === 413 ? "too_large" : "bad_request", message });
    }
    request.log.error({ err: error, url: request.url }, "request failed");
    return reply.code(500).send({
      error: "internal",
      message: "The daemon could not complete the request (is Redis reachable?); its log says why.",
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: "not_found",
      message: `No route ${request.method} ${request.url.split("?")[0]}`,
    }),
  );

  const metrics = createMetrics({ events, migrations, queues, logger });
  app.addHook("onClose", async () => metrics.close());

  // Open: probes, and the page shell, which holds no data and asks for the token itself.
  app.get("/healthz", async (_request, reply) => {
    const state = await health().catch(() => ({ redis: false, smc: false }));
    const ok = state.redis && state.smc;
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? "ok" : "unavailable", redis: state.redis, smc: state.smc });
  });
  app.get("/", async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
      .send(indexHtml),
  );
  app.get("/app.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(appJs),
  );

  const apiScope: FastifyPluginAsync = async (scope) => {
    requireToken(scope, check, false);
    await scope.register(planRoutes, { migrations, now });
    scope.get("/metrics", async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.text()),
    );
    const document = openApiDocument(packageJson.version);
    scope.get("/openapi.json", async () => document);
  };
  await app.register(apiScope);

  const dashboardScope: FastifyPluginAsync = async (scope) => {
    requireToken(scope, check, true);
    await mountQueueDashboard(scope, { queues, readOnly: options.dashboardReadOnly });
  };
  await app.register(dashboardScope);

  return app;
}

/**
 * Adds the bearer check to every route of `scope`. The dashboard (`browser`) also takes its cookie,
 * which `?token=<token>` sets once, because a browser cannot add a header to page loads.
 */
function requireToken(
  scope: FastifyInstance,
  check: TokenCheck | undefined,
  browser: boolean,
): void {
  if (!check) return;
  scope.addHook("onRequest", async (request, reply) => {
    const offered = (request.query as Record<string, unknown> | undefined)?.token;
    if (browser && typeof offered === "string" && check.matches(offered)) {
      const url = new URL(request.url, "http://localhost");
      url.searchParams.delete("token");
      return reply.header("set-cookie", check.cookie()).redirect(url.pathname + url.search, 303);
    }
    if (check.accepts(request, { cookie: browser })) return;
    return sendUnauthorized(
      reply,
      request.headers.authorization !== undefined || offered !== undefined,
    );
  });
}

export interface RunningApiServer {
  app: FastifyInstance;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** Builds and listens; refuses a non-loopback host without a token before building anything. */
export async function startApiServer(
  options: ApiServerOptions & { host: string; port: number },
): Promise<RunningApiServer> {
  assertSafeBind(options.host, options.token);
  const app = await buildApiServer(options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
