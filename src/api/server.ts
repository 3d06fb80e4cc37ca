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
import { type AccessToken, roleAllows } from "../platform/accessTokens.ts";
import type { MigrationEvents } from "../platform/events.ts";
import { RedisUnreachableError } from "../platform/redisHealth.ts";
import {
  accessCheck,
  assertSafeBind,
  enterWithToken,
  requireToken,
  sessionRoutes,
} from "./apiAuth.ts";
import { collectAccess, requireRole, requireRoles } from "./apiRoles.ts";
import type { HealthReport } from "./healthCheck.ts";
import { createMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { planRoutes, UNSUPPORTED_PLAN_TYPE } from "./planRoutes.ts";
import { ADMIN_DASHBOARD_PATH, DASHBOARD_PATH, mountQueueDashboard } from "./queueDashboard.ts";
import { guardMigrations, type RedisGate } from "./redisGate.ts";
import { serverRoutes } from "./serverRoutes.ts";

export interface ApiServerOptions {
  migrations: Migrations;
  /** Every BullMQ queue of the daemon: shown on the dashboard, counted in /metrics. */
  queues: readonly Queue[];
  events: MigrationEvents;
  /** What /healthz and /readyz answer. */
  health: () => Promise<HealthReport>;
  /**
   * The daemon's Redis health: while Redis does not answer, every route that needs it answers 503
   * at once (and a request caught by an outage within about a second). Absent: no gate (tests).
   */
  redis?: RedisGate;
  /**
   * The tokens every route but the probes, the session route and the page shell requires, each with
   * its role; none means open (every caller an admin named `anonymous`: loopback only).
   */
  tokens?: readonly AccessToken[];
  /**
   * True: nobody retries, removes or pauses BullMQ jobs from the queue dashboard. False: admins may,
   * at /dashboard/admin; /dashboard stays read-only for everyone.
   */
  dashboardReadOnly: boolean;
  logger: Logger;
  /** Epoch ms, for validating submitted plans. */
  now: () => number;
  /** Largest request body, bytes. @default 6 MiB (a plan may be 5 MiB) */
  bodyLimit?: number;
}

const WEB = new URL("./web/", import.meta.url);
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'";

/** Builds the daemon's HTTP app (API, dashboard, migration view, metrics); does not listen. */
export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const { queues, events, health, logger, now, redis } = options;
  const migrations = redis ? guardMigrations(options.migrations, redis) : options.migrations;
  const tokens = options.tokens ?? [];
  const check = accessCheck(tokens);
  const [indexHtml, appJs, actionsJs, timelineJs] = await Promise.all([
    readFile(new URL("index.html", WEB), "utf8"),
    readFile(new URL("app.js", WEB), "utf8"),
    readFile(new URL("actions.js", WEB), "utf8"),
    readFile(new URL("timeline.js", WEB), "utf8"),
  ]);

  // Typed as fastify's base logger so the app is a plain FastifyInstance for route modules.
  const httpLogger: FastifyBaseLogger = logger.child({ component: "http" });
  const app = Fastify({
    loggerInstance: httpLogger,
    // A migration view polling every 2 s would bury the log in request lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 6 * 1024 * 1024,
  });
  // Before any route is added: the roles `GET /api/session` and the OpenAPI document tell about.
  const access = collectAccess(app);

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof RedisUnreachableError) {
      return reply.code(503).send({
        error: "redis_unavailable",
        message: error.message,
        redis: {
          url: error.url,
          status: error.state.status,
          since: new Date(error.state.since).toISOString(),
          ...(error.state.cause === undefined ? {} : { cause: error.state.cause }),
        },
      });
    }
    const status = error.statusCode ?? 500;
    if (status === 415) {
      const plans =
        request.method === "POST" &&
        /^\/api\/plans(\/check)?$/.test(request.url.split("?")[0] ?? "");
      return reply.code(415).send({
        error: "unsupported_media_type",
        message: plans ? UNSUPPORTED_PLAN_TYPE : "Send JSON (application/json) or no body.",
      });
    }
    if (status < 500) {
      return reply
        .code(status)
        .send({ error: status === 413 ? "too_large" : "bad_request", message: error.message });
    }
    request.log.error({ err: error, url: request.url }, "request failed");
    return reply.code(500).send({
      error: "internal",
      message: "The daemon could not complete the request; its log says why.",
    });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: "not_found",
      message: `No route ${request.method} ${request.url.split("?")[0]}`,
    }),
  );

  const metrics = createMetrics({
    events,
    migrations,
    queues,
    logger,
    now,
    ...(redis
      ? {
          guard: <T>(read: () => Promise<T>) => redis.run(read),
          redisReachable: () => redis.state.status === "reachable",
        }
      : {}),
  });
  app.addHook("onClose", async () => metrics.close());

  // Open: the probes, signing in, and the page shell, which holds no data and asks for the token.
  app.get("/healthz", async () => health());
  app.get("/readyz", async (_request, reply) => {
    const report = await health();
    return reply.code(report.ready ? 200 : 503).send(report);
  });
  sessionRoutes(app, check);
  app.get<{ Querystring: { token?: string } }>("/", async (request, reply) => {
    if (check && typeof request.query.token === "string") {
      return enterWithToken(request, reply, check, request.query.token);
    }
    return reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", CSP)
      .send(indexHtml);
  });
  app.get("/app.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(appJs),
  );
  app.get("/actions.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(actionsJs),
  );
  app.get("/timeline.js", async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(timelineJs),
  );

  const apiScope: FastifyPluginAsync = async (scope) => {
    requireToken(scope, check, false);
    requireRoles(scope);
    // Who the caller is and what it may do, so the view shows the buttons it may use and no other.
    scope.get("/api/session", async (request) => {
      const identity = request.identity ?? { name: "anonymous", role: "admin" as const };
      return {
        name: identity.name,
        role: identity.role,
        open: check === undefined,
        actions: access
          .actions()
          .filter((action) => roleAllows(identity.role, action.role))
          .map((action) => action.action)
          .sort(),
        dashboard:
          !options.dashboardReadOnly && roleAllows(identity.role, "admin")
            ? ADMIN_DASHBOARD_PATH
            : DASHBOARD_PATH,
      };
    });
    await scope.register(planRoutes, { migrations, now });
    await scope.register(serverRoutes, { migrations });
    scope.get("/metrics", async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.text()),
    );
    const document = openApiDocument(packageJson.version, access.roleOf);
    scope.get("/openapi.json", async () => document);
  };
  await app.register(apiScope);

  const dashboardScope: FastifyPluginAsync = async (scope) => {
    requireToken(scope, check, true);
    requireRoles(scope);
    // bull-board reads the queues itself: while Redis is away it gets the same 503 as the API.
    if (redis) {
      scope.addHook("onRequest", async () => {
        if (redis.state.status !== "reachable") throw redis.error();
      });
    }
    // Read-only for every role at /dashboard; bull-board answers 405 to a write there.
    await mountQueueDashboard(scope, { queues, readOnly: true, path: DASHBOARD_PATH });
    if (!options.dashboardReadOnly) {
      // bull-board's read-only mode is per board, fixed when it is built: admins get a second one.
      await scope.register(async (admin) => {
        requireRole(admin, {
          role: "admin",
          action: "dashboard-write",
          doing: "using the queue dashboard's write actions (/dashboard/admin)",
        });
        await mountQueueDashboard(admin, { queues, readOnly: false, path: ADMIN_DASHBOARD_PATH });
      });
    }
  };
  await app.register(dashboardScope);

  return app;
}

export interface RunningApiServer {
  app: FastifyInstance;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  close(): Promise<void>;
}

/** The port is taken (another daemon, a second quick start): say so instead of a stack trace. */
export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(
      `${host}:${port} is already in use (another smc-waves daemon?); stop that one, or choose another port with SMC_WAVES_HTTP_PORT`,
    );
  }
}

/** Builds and listens; refuses a non-loopback host without a token before building anything. */
export async function startApiServer(
  options: ApiServerOptions & { host: string; port: number },
): Promise<RunningApiServer> {
  assertSafeBind(options.host, options.tokens ?? []);
  const app = await buildApiServer(options);
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new PortInUseError(options.host, options.port);
    }
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
