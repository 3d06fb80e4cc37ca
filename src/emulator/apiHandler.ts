/**
 * One signed API call, start to end: parameters from the query and the form body (standard form
 * decoding, `+` is a space; the body wins on a clash), the gateway's checks, injected faults, the
 * action, the answer in the requested format, and the stats. Every answer carries a RequestId,
 * in the body and in the `x-acs-request-id` header.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ACTIONS } from "./actions/actionTable.ts";
import type { EmulatorCore } from "./emulatorCore.ts";
import { ApiError, internalErrorFor, invalidParameter } from "./errorCatalogue.ts";
import { BodyTooLargeError, readBody, send } from "./httpExchange.ts";
import { ParamReader } from "./paramReader.ts";
import { authenticate } from "./requestAuthenticator.ts";
import {
  type RenderedResponse,
  type ResponseFormat,
  renderError,
  renderSuccess,
  type WireObject,
} from "./responseRenderer.ts";

function formatOf(params: ReadonlyMap<string, string>): ResponseFormat | null {
  const format = (params.get("Format") ?? "json").toLowerCase();
  return format === "json" || format === "xml" ? format : null;
}

async function readParams(request: IncomingMessage, url: URL): Promise<Map<string, string>> {
  const params = new Map<string, string>(url.searchParams);
  const body = await readBody(request);
  if (body !== "") for (const [key, value] of new URLSearchParams(body)) params.set(key, value);
  return params;
}

export async function handleApi(
  core: EmulatorCore,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const requestId = core.requestId();
  let format: ResponseFormat = "json";
  let action = "(unknown action)";
  let rendered: RenderedResponse;
  let errorCode: string | null = null;
  try {
    const params = await readParams(request, url);
    const method = request.method === "GET" || request.method === "POST" ? request.method : null;
    const requested = params.get("Action") ?? "";
    if (ACTIONS.has(requested)) action = requested;
    format = formatOf(params) ?? "json";
    if (formatOf(params) === null)
      throw invalidParameter("Format", params.get("Format") ?? "", "json or xml");
    if (method === null) throw new ApiError("InvalidAction.NotFound");
    authenticate(method, params, {
      credentials: core.credentials,
      nonces: core.nonces,
      realNow: () => core.realClock.now(),
      knownAction: (name) => ACTIONS.has(name),
    });
    rendered = renderSuccess(action, requestId, await runAction(core, action, params), format);
  } catch (caught) {
    if (caught instanceof Unanswered) {
      core.store.stats.call(action, "(unanswered)");
      response.socket?.destroy();
      return;
    }
    const error =
      caught instanceof ApiError
        ? caught
        : caught instanceof BodyTooLargeError
          ? new ApiError("InvalidParameter", "The request body is over 1 MiB.")
          : unexpected(action, caught);
    rendered = renderError(error, requestId, format);
    errorCode = error.code;
  }
  core.store.stats.call(action, errorCode);
  send(response, rendered.status, rendered.contentType, rendered.body, {
    "x-acs-request-id": requestId,
  });
}

/** A bug of ours: answer like the service does, never with a stack trace on the wire. */
function unexpected(action: string, error: unknown): ApiError {
  console.error(`SMC emulator: unexpected error in ${action}:`, error);
  return internalErrorFor(action);
}

/** Latency, then the drawn fault, then the action (with an after-effect 500 when drawn so). */
async function runAction(
  core: EmulatorCore,
  action: string,
  params: ReadonlyMap<string, string>,
): Promise<WireObject> {
  const { latencyMs } = core.faults.faults;
  if (latencyMs > 0) await core.realClock.sleep(latencyMs);
  const fault = core.faults.draw();
  if (fault === "unansweredBeforeEffect") throw new Unanswered();
  if (fault === "throttle") throw new ApiError("Throttling.User");
  if (fault === "internalBeforeEffect") throw internalErrorFor(action);
  const handler = ACTIONS.get(action);
  if (!handler) throw new ApiError("InvalidAction.NotFound");
  const now = core.now();
  const fields = handler({ store: core.store, params: new ParamReader(params), now });
  // The work is done and kept; only the answer is lost, as when the service fails after committing.
  if (fault === "internalAfterEffect") throw internalErrorFor(action);
  if (fault === "unansweredAfterEffect") throw new Unanswered();
  return fields;
}

/** The call gets no answer: its connection is closed, as in an outage (a fault, on purpose). */
class Unanswered extends Error {}
