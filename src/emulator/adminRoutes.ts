/**
 * `/_emulator/*`: unsigned routes for people and tests (the server binds loopback by default).
 * They never draw faults and are not counted in the API stats.
 *   GET  health | stats | timeline | faults | sources | jobs | images[?jobId=] | clock
 *   PUT  faults            partial fault settings (JSON)
 *   POST sources           a SourceSpec, or { sources: [...] }
 *   POST sources/:id/state { state: "Available" | "Unavailable" | "Deleting", errorCode? }
 *   POST clock             { advanceMs }: moves emulated time forward
 *   POST reset             back to the starting sources; no jobs, tags or stats
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorCore } from "./emulatorCore.ts";
import { readBody, sendJson } from "./httpExchange.ts";
import { wireTime } from "./responseRenderer.ts";
import { parseSourceSpecs } from "./sourceSpecSchema.ts";
import { jobToWire, sourceToWire } from "./wireShapes.ts";

export const ADMIN_PREFIX = "/_emulator/";

const SOURCE_STATES = ["Available", "Unavailable", "Deleting"] as const;

async function readJson(
  request: IncomingMessage,
): Promise<{ ok: true; value: unknown } | { ok: false; problem: string }> {
  const text = await readBody(request);
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, problem: `the body is not JSON: ${(error as Error).message}` };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export async function handleAdmin(
  core: EmulatorCore,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const route = url.pathname.slice(ADMIN_PREFIX.length);
  const method = request.method ?? "GET";
  const now = core.now();
  const stateMatch = /^sources\/([^/]+)\/state$/.exec(route);

  if (method === "GET") {
    switch (route) {
      case "health":
        return sendJson(response, 200, {
          status: "ok",
          sources: core.store.sources.size,
          jobs: core.store.jobCount,
        });
      case "stats":
        return sendJson(response, 200, core.store.stats.snapshot());
      case "timeline":
        return sendJson(response, 200, core.store.timeline(now));
      case "faults":
        return sendJson(response, 200, core.faults.faults);
      case "sources":
        return sendJson(
          response,
          200,
          [...core.store.sources.values()].map((source) => sourceToWire(core.store, source)),
        );
      case "jobs":
        return sendJson(
          response,
          200,
          core.store.allJobs().map((job) => ({
            ...jobToWire(job),
            ClientToken: job.clientToken,
            DeletedTime: wireTime(job.deletedAt),
          })),
        );
      case "images": {
        const jobId = url.searchParams.get("jobId");
        return sendJson(response, 200, core.store.images(jobId ?? undefined));
      }
      case "clock":
        return sendJson(response, 200, { now, iso: new Date(now).toISOString() });
    }
  }
  if (method === "PUT" && route === "faults") {
    const body = await readJson(request);
    if (!body.ok || !isRecord(body.value))
      return sendJson(response, 400, { error: body.ok ? "expected a JSON object" : body.problem });
    const problems = core.setFaults(body.value);
    return problems.length > 0
      ? sendJson(response, 400, { error: problems.join("; ") })
      : sendJson(response, 200, core.faults.faults);
  }
  if (method === "POST" && route === "sources") {
    const body = await readJson(request);
    if (!body.ok) return sendJson(response, 400, { error: body.problem });
    const input =
      isRecord(body.value) && "sources" in body.value ? body.value : { sources: [body.value] };
    const parsed = parseSourceSpecs(input);
    if (!parsed.ok) return sendJson(response, 400, { error: parsed.problems.join("; ") });
    try {
      const added = parsed.specs.map((spec) => core.addSource(spec));
      return sendJson(
        response,
        201,
        added.map((source) => sourceToWire(core.store, source)),
      );
    } catch (error) {
      return sendJson(response, 409, { error: (error as Error).message });
    }
  }
  if (method === "POST" && stateMatch) {
    const body = await readJson(request);
    const value = body.ok && isRecord(body.value) ? body.value : {};
    const state = SOURCE_STATES.find((candidate) => candidate === value.state);
    if (!state) {
      return sendJson(response, 400, {
        error: `state must be one of ${SOURCE_STATES.join(", ")}, got ${JSON.stringify(value.state)}`,
      });
    }
    const errorCode = typeof value.errorCode === "string" ? value.errorCode : undefined;
    const source = core.setSourceState(decodeURIComponent(stateMatch[1] ?? ""), state, errorCode);
    if (!source)
      return sendJson(response, 404, { error: `no source ${JSON.stringify(stateMatch[1])}` });
    return sendJson(response, 200, sourceToWire(core.store, source));
  }
  if (method === "POST" && route === "clock") {
    const body = await readJson(request);
    const advanceMs = body.ok && isRecord(body.value) ? body.value.advanceMs : undefined;
    if (typeof advanceMs !== "number" || !Number.isFinite(advanceMs) || advanceMs < 0) {
      return sendJson(response, 400, {
        error: `advanceMs must be a number of ms ≥ 0, got ${JSON.stringify(advanceMs)}`,
      });
    }
    const advanced = core.advanceClock(advanceMs);
    return sendJson(response, 200, { now: advanced, iso: new Date(advanced).toISOString() });
  }
  if (method === "POST" && route === "reset") {
    core.reset();
    return sendJson(response, 200, { status: "reset", sources: core.store.sources.size });
  }
  return sendJson(response, 404, {
    error: `no admin route ${method} ${url.pathname}; see GET ${ADMIN_PREFIX}health, stats, timeline, faults, sources, jobs, images, clock`,
  });
}
