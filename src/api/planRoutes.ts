import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { PlanConflictError, PlanStateError, PlanTargetError } from "../orchestrator/planErrors.ts";
import type { Actor, Migrations, PlanSummary, PlanWarning } from "../orchestrator/views.ts";
import { MAX_BARS } from "../orchestrator/waveTimeline.ts";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import { validatePlanText } from "../plan/validatePlanText.ts";
import { needs } from "./apiRoles.ts";
import { forecastQuery } from "./forecastQuery.ts";
import { actionsCsv, reportActions, reportCsv, reportPlan, reportRows } from "./planReport.ts";

/** Content types a plan may be posted as with the plan's YAML text as the body. */
export const PLAN_CONTENT_TYPES = [
  "text/yaml",
  "application/x-yaml",
  "application/yaml",
  "text/plain",
];

/** What a 415 on `POST /api/plans` says. */
export const UNSUPPORTED_PLAN_TYPE = `Send the plan's YAML text with Content-Type ${PLAN_CONTENT_TYPES.join(", ")}; or JSON (application/json) of the form {"yaml": "<the plan's YAML text>", "file": "name.yaml"}.`;

class UnsupportedPlanBody extends Error {
  readonly statusCode = 415;
}

/** The plan's text and file name from a YAML body, or from JSON `{ yaml, file? }`. */
function planText(body: unknown, file: string | undefined): { text: string; file: string } {
  if (typeof body === "string" || body === undefined || body === null) {
    return { text: body ?? "", file: file ?? "plan.yaml" };
  }
  const fields = body as { yaml?: unknown; file?: unknown };
  const extra = Object.keys(body).filter((key) => key !== "yaml" && key !== "file");
  if (
    typeof body !== "object" ||
    Array.isArray(body) ||
    typeof fields.yaml !== "string" ||
    (fields.file !== undefined && typeof fields.file !== "string") ||
    extra.length > 0
  ) {
    throw new UnsupportedPlanBody(UNSUPPORTED_PLAN_TYPE);
  }
  return { text: fields.yaml, file: file ?? (fields.file as string | undefined) ?? "plan.yaml" };
}

export interface PlanRoutesOptions {
  migrations: Migrations;
  /** Epoch ms plans are validated at. */
  now: () => number;
}

const notFound = (reply: FastifyReply, planId: string) =>
  reply.code(404).send({ error: "not_found", message: `There is no plan with id "${planId}".` });

/**
 * Who the history, the report and the log name for an action: the token's name (`requireToken`
 * always sets the identity before a handler runs).
 */
const actorOf = (request: FastifyRequest): Actor => ({
  name: request.identity?.name ?? "anonymous",
});

/** Errors that mean "not in this state" rather than "broken": the client can act on them. */
const isConflict = (error: unknown): error is Error =>
  error instanceof PlanConflictError || error instanceof PlanStateError;

export async function planRoutes(app: FastifyInstance, options: PlanRoutesOptions): Promise<void> {
  const { migrations, now } = options;

  // YAML arrives as text; fastify already reads text/plain as a string.
  app.addContentTypeParser(
    PLAN_CONTENT_TYPES.filter((type) => type !== "text/plain"),
    { parseAs: "string" },
    (_request, body, done) => done(null, body),
  );

  /** The posted plan compiled (with what validation warns about), or the 400 that says why not. */
  const compile = (
    request: { body: unknown; query: { file?: string } },
    reply: FastifyReply,
  ): { plan: CompiledPlan; warnings: PlanWarning[] } | undefined => {
    const { text, file } = planText(request.body, request.query.file);
    if (text.trim() === "") {
      void reply.code(400).send({
        error: "invalid_plan",
        problems: [
          {
            line: 1,
            col: 1,
            path: "",
            message: 'The plan is empty: send the plan\'s YAML text (or JSON {"yaml": "…"})',
          },
        ],
      });
      return undefined;
    }
    const { plan, problems, warnings } = validatePlanText(text, { file, now: now() });
    if (!plan) {
      void reply.code(400).send({
        error: "invalid_plan",
        problems: problems.map(({ line, col, path, message }) => ({ line, col, path, message })),
      });
      return undefined;
    }
    return { plan, warnings: warnings.map(({ line, col, message }) => ({ line, col, message })) };
  };

  // What submitting would warn about (the plan's own warnings, sources other plans also list, a
  // quota below maxJobs), without submitting.
  app.post<{ Querystring: { file?: string } }>(
    "/api/plans/check",
    needs("viewer", "check", "checking a plan"),
    async (request, reply) => {
      const compiled = compile(request, reply);
      if (!compiled) return reply;
      return {
        valid: true,
        warnings: [...compiled.warnings, ...(await migrations.check(compiled.plan))],
      };
    },
  );

  app.post<{ Querystring: { file?: string } }>(
    "/api/plans",
    needs("operator", "submit", "submitting a plan"),
    async (request, reply) => {
      const compiled = compile(request, reply);
      if (!compiled) return reply;
      try {
        const result = await migrations.submit(compiled.plan, actorOf(request));
        return reply
          .code(result.created ? 201 : 200)
          .header("location", `/api/plans/${encodeURIComponent(result.planId)}`)
          .send({ ...result, warnings: [...compiled.warnings, ...result.warnings] });
      } catch (error) {
        if (!isConflict(error)) throw error;
        return reply.code(409).send({ error: "conflict", message: error.message });
      }
    },
  );

  app.get("/api/plans", async () => ({ plans: await migrations.listPlans() }));

  // When a plan not submitted would finish if it started now (sources listed through the account).
  app.post<{ Querystring: Record<string, string | undefined> }>(
    "/api/plans/forecast",
    needs("viewer", "forecast", "forecasting a plan"),
    async (request, reply) => {
      const compiled = compile(request, reply);
      if (!compiled) return reply;
      return migrations.forecastNew(compiled.plan, forecastQuery(request.query));
    },
  );

  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    "/api/plans/:id/forecast",
    async (request, reply) => {
      const forecast = await migrations.forecast(request.params.id, forecastQuery(request.query));
      return forecast ?? notFound(reply, request.params.id);
    },
  );

  app.get<{ Params: { id: string } }>("/api/plans/:id", async (request, reply) => {
    const plan = await migrations.planDetail(request.params.id);
    return plan ?? notFound(reply, request.params.id);
  });

  // One wave's jobs over time, for the view's timeline: bounded by `limit` whatever the wave's size.
  app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    "/api/plans/:id/timeline",
    async (request, reply) => {
      const wave = textField(undefined, request.query, "wave", true) ?? "";
      const limit = barLimit(request.query.limit);
      return answer(reply, request.params.id, () =>
        migrations.timeline(request.params.id, {
          wave,
          ...(limit === undefined ? {} : { limit }),
        }),
      );
    },
  );

  const control = (
    action: string,
    doing: string,
    run: (
      planId: string,
      body: unknown,
      query: Record<string, string | undefined>,
      actor: Actor,
    ) => Promise<PlanSummary | undefined>,
  ) =>
    app.post<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
      `/api/plans/:id/${action}`,
      needs("operator", action, doing),
      async (request, reply) => {
        try {
          const summary = await run(
            request.params.id,
            request.body,
            request.query,
            actorOf(request),
          );
          return summary ?? notFound(reply, request.params.id);
        } catch (error) {
          if (!isConflict(error)) throw error;
          return reply.code(409).send({ error: "conflict", message: error.message });
        }
      },
    );
  control("pause", "pausing a plan", (id, _body, _query, actor) => migrations.pause(id, actor));
  control("resume", "resuming a plan", (id, _body, _query, actor) => migrations.resume(id, actor));
  control("retry-failed", "retrying a plan's failed servers", (id, _body, _query, actor) =>
    migrations.retryFailed(id, actor),
  );
  control("cancel", "cancelling a plan", (id, body, query, actor) =>
    migrations.cancel(id, { stopRunning: stopRunning(body, query) }, actor),
  );

  // A person's decisions during a run: who made them goes into the plan's history and the report.
  app.post<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    "/api/plans/:id/approve",
    needs("operator", "approve", "approving a wave's gate"),
    async (request, reply) => {
      const wave = textField(request.body, request.query, "wave", true) ?? "";
      return answer(reply, request.params.id, () =>
        migrations.approve(request.params.id, { wave }, actorOf(request)),
      );
    },
  );

  app.post<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(
    "/api/plans/:id/cutover",
    needs("operator", "cutover", "cutting over incremental servers"),
    async (request, reply) => {
      const wave = textField(request.body, request.query, "wave", true) ?? "";
      const server = textField(request.body, request.query, "server", false);
      return answer(reply, request.params.id, () =>
        migrations.cutover(
          request.params.id,
          { wave, ...(server === undefined ? {} : { server }) },
          actorOf(request),
        ),
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    "/api/plans/:id/release",
    needs("operator", "release", "releasing the jobs a plan left"),
    async (request, reply) => {
      try {
        const result = await migrations.release(request.params.id, actorOf(request));
        return result ?? notFound(reply, request.params.id);
      } catch (error) {
        if (!isConflict(error)) throw error;
        return reply.code(409).send({ error: "conflict", message: error.message });
      }
    },
  );

  app.get<{ Params: { account: string } }>(
    "/api/accounts/:account/jobs",
    async (request, reply) => {
      const jobs = await migrations.accountJobs(request.params.account);
      if (jobs) return { account: request.params.account, jobs };
      return reply.code(404).send({
        error: "not_found",
        message: `There is no account "${request.params.account}" in this daemon's config.`,
      });
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: string; rows?: string } }>(
    "/api/plans/:id/report",
    async (request, reply) => {
      const format = request.query.format ?? (prefersJson(request.headers.accept) ? "json" : "csv");
      if (format !== "csv" && format !== "json") {
        return reply.code(400).send({
          error: "bad_request",
          message: `format must be "csv" or "json", got "${format}"`,
        });
      }
      const of = request.query.rows ?? "servers";
      if (of !== "servers" && of !== "actions") {
        return reply.code(400).send({
          error: "bad_request",
          message: `rows must be "servers" (one row per server) or "actions" (who did what, when), got "${of}"`,
        });
      }
      const plan = await reportPlan(migrations, request.params.id);
      if (!plan) return notFound(reply, request.params.id);
      if (format === "json") {
        return { planId: plan.id, servers: reportRows(plan), actions: reportActions(plan) };
      }
      const name = `${plan.id.replace(/[^\w.-]/g, "_")}-${of === "actions" ? "actions" : "report"}.csv`;
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="${name}"`)
        .send(of === "actions" ? actionsCsv(reportActions(plan)) : reportCsv(reportRows(plan)));
    },
  );

  app.get("/api/quota", async () => ({ accounts: await migrations.quota() }));
}

class BadRequest extends Error {
  readonly statusCode = 400;
}

/** An action's result, a 404 for an unknown plan (or wave, server), a 409 for a wrong status. */
async function answer(
  reply: FastifyReply,
  planId: string,
  run: () => Promise<object | undefined>,
): Promise<unknown> {
  try {
    return (await run()) ?? notFound(reply, planId);
  } catch (error) {
    if (error instanceof PlanTargetError)
      return reply.code(404).send({ error: "not_found", message: error.message });
    if (!isConflict(error)) throw error;
    return reply.code(409).send({ error: "conflict", message: error.message });
  }
}

/** `?key=value` or a JSON body `{ "key": "value" }`: a non-empty string, or a 400 saying so. */
function textField(
  body: unknown,
  query: Record<string, string | undefined>,
  key: string,
  required: boolean,
): string | undefined {
  const value =
    query[key] ??
    (body !== null && typeof body === "object"
      ? (body as Record<string, unknown>)[key]
      : undefined);
  if (value === undefined) {
    if (required)
      throw new BadRequest(`${key} is required: ?${key}=NAME or a JSON body {"${key}": "NAME"}`);
    return undefined;
  }
  if (typeof value !== "string" || value === "")
    throw new BadRequest(`${key} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** `?limit=N`: how many servers' jobs a timeline shows, 1 to MAX_BARS; absent: the default. */
function barLimit(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BARS)
    throw new BadRequest(`limit must be a whole number from 1 to ${MAX_BARS}, got "${raw}"`);
  return limit;
}

/** `?stopRunning=true` or a JSON body `{ "stopRunning": true }`; absent means false. */
function stopRunning(body: unknown, query: Record<string, string | undefined>): boolean {
  const fromQuery = query.stopRunning;
  if (fromQuery !== undefined) {
    if (fromQuery === "true" || fromQuery === "1") return true;
    if (fromQuery === "false" || fromQuery === "0") return false;
    throw new BadRequest(`stopRunning must be true or false, got "${fromQuery}"`);
  }
  if (body === undefined || body === null || body === "") return false;
  const value =
    typeof body === "object" ? (body as Record<string, unknown>).stopRunning : undefined;
  if (value === undefined) return false;
  if (typeof value === "boolean") return value;
  throw new BadRequest(`stopRunning must be true or false, got ${JSON.stringify(value)}`);
}

/** JSON when the client asks for it over CSV (a browser's `*\/*` alone keeps CSV). */
function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.includes("application/json") && !accept.includes("text/csv");
}
