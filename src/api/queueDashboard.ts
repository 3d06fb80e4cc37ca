import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { FastifyAdapter } from "@bull-board/fastify";
import type { Queue } from "bullmq";
import type { FastifyInstance } from "fastify";
import { keepDashboardOnHost } from "./dashboardOnHost.ts";

/** The queue dashboard, read-only for every role. */
export const DASHBOARD_PATH = "/dashboard";
/** The same dashboard with its write actions, for admins, when `http.dashboardReadOnly` is false. */
export const ADMIN_DASHBOARD_PATH = "/dashboard/admin";

/** Keys whose values the dashboard never shows, whatever a job's data holds. */
const SECRET_KEY = /secret|securitytoken|signature|password|authorization|token$/i;

/** A copy of job data with every secret-looking key's value replaced. */
function redactSecrets(value: unknown, depth = 0): unknown {
  // Job data is small and flat; a cycle or absurd depth is not worth walking.
  if (depth > 20) return "[too deep]";
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) ? "[redacted]" : redactSecrets(inner, depth + 1),
    ]),
  );
}

/** A job's readable name: its name, plus the server or plan it is about when the data says. */
function readableName(job: { name?: string; data?: unknown }): string {
  const data = (typeof job.data === "object" && job.data !== null ? job.data : {}) as Record<
    string,
    unknown
  >;
  const about = [data.planId, data.wave, data.key].filter((part) => typeof part === "string");
  return about.length > 0 ? `${job.name ?? ""} ${about.join(" / ")}` : (job.name ?? "");
}

/**
 * Mounts bull-board at `path` on `scope` (which carries the auth and role hooks). Read-only mode is
 * enforced by bull-board's server: a mutating request gets 405, and its pages show no write buttons.
 */
export async function mountQueueDashboard(
  scope: FastifyInstance,
  options: { queues: readonly Queue[]; readOnly: boolean; path: string },
): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(options.path);
  createBullBoard({
    queues: options.queues.map((queue) => {
      const adapter = new BullMQAdapter(queue, { readOnlyMode: options.readOnly });
      adapter.setFormatter("data", (data) => redactSecrets(data));
      adapter.setFormatter("returnValue", (data) => redactSecrets(data));
      adapter.setFormatter("name", (job) => readableName(job));
      return adapter;
    }),
    serverAdapter,
    options: {
      uiConfig: { boardTitle: options.readOnly ? "smc-waves queues" : "smc-waves queues (admin)" },
    },
  });
  await keepDashboardOnHost(scope, options.path);
  await scope.register(serverAdapter.registerPlugin(), { prefix: options.path });
}
