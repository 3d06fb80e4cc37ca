import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Migrations } from "../orchestrator/views.ts";
import type { MigrationEvents } from "../platform/events.ts";
import { RedisUnreachableError } from "../platform/redisHealth.ts";

/**
 * Prometheus metrics of the daemon. Counters and histograms follow the typed migration events;
 * gauges of state (servers by status, quota use) are read from the orchestrator's views at scrape
 * time, so they are right on every daemon instance, not only the one that did the work. BullMQ's own
 * queue metrics are appended.
 */
export interface MetricsOptions {
  events: MigrationEvents;
  migrations: Migrations;
  /** Queues whose `exportPrometheusMetrics()` text is appended. */
  queues: readonly Queue[];
  /** Where a failed scrape-time read is reported (not one failing because Redis is away). */
  logger?: Logger;
  /**
   * Runs each scrape-time Redis read: the daemon's rejects at once while Redis is unreachable, so a
   * scrape during an outage answers at once with the event counters and the last gauges.
   * @default runs the read as is
   */
  guard?: <T>(read: () => Promise<T>) => Promise<T>;
  /** Whether the daemon's Redis answers now: the `smc_waves_redis_up` gauge. */
  redisReachable?: () => boolean;
  /** World time, epoch ms: what the ETA gauge counts from. @default Date.now */
  now?: () => number;
}

export interface ApiMetrics {
  readonly registry: Registry;
  /** The exposition text: ours, then BullMQ's, one family each. */
  text(): Promise<string>;
  readonly contentType: string;
  /** Unsubscribes from the events. */
  close(): void;
}

/** Replication jobs run minutes to days: buckets from 1 minute to 2 days, in seconds. */
const JOB_DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800];
/** A message goes out in well under a second, or after retries for up to about an hour. */
const NOTIFICATION_LATENCY_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];
/** SMC calls take tens of ms to seconds (timeouts at 10 s by default). */
const CALL_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions): ApiMetrics {
  const { events, migrations, queues } = options;
  const guard = options.guard ?? ((read) => read());
  const worldNow = options.now ?? Date.now;
  // An outage is logged once by the Redis health tracker, not at every scrape.
  const logger = {
    warn(fields: { err: unknown; queue?: string }, message: string) {
      if (!(fields.err instanceof RedisUnreachableError)) options.logger?.warn(fields, message);
    },
  };
  // Our own registry: the global one would mix in anything else loaded in the process (and tests).
  const registry = new Registry();
  const registers = [registry];

  const collectErrors = new Counter({
    name: "smc_waves_collect_errors_total",
    help: "Scrapes that could not read plans or quota (Redis unreachable); gauges keep their last values",
    labelNames: ["source"],
    registers,
  });

  // One read of the plans per scrape feeds the servers and the ETA gauges (as the quota's below).
  let plansRead: Promise<void> | undefined;
  const refreshPlans = async () => {
    try {
      const plans = await guard(() => migrations.listPlans());
      const now = worldNow();
      servers.reset();
      eta.reset();
      for (const plan of plans) {
        for (const wave of plan.waves) {
          for (const [status, count] of Object.entries(wave.counts)) {
            servers.set({ plan: plan.id, wave: wave.name, status }, count);
          }
        }
        if (plan.eta)
          eta.set({ plan: plan.id }, Math.max(0, Date.parse(plan.eta.p50) - now) / 1000);
      }
    } catch (error) {
      collectErrors.inc({ source: "plans" });
      logger.warn({ err: error }, "metrics: cannot list plans");
    }
  };
  const readPlans = () => {
    plansRead ??= refreshPlans().finally(() => {
      plansRead = undefined;
    });
    return plansRead;
  };
  const servers = new Gauge({
    name: "smc_waves_servers",
    help: "Servers of each plan and wave by status",
    labelNames: ["plan", "wave", "status"],
    registers,
    collect: readPlans,
  });
  const eta = new Gauge({
    name: "smc_waves_plan_eta_seconds",
    help: "Seconds from now (world time) to the P50 of the plan's live forecast, while it is pending or running",
    labelNames: ["plan"],
    registers,
    collect: readPlans,
  });

  // One read of the quota per scrape feeds four gauges. The registry reads every metric at once,
  // so each gauge's collect awaits the same read before its values are taken.
  let quotaRead: Promise<void> | undefined;
  const refreshQuota = async () => {
    try {
      const views = await guard(() => migrations.quota());
      for (const gauge of quotaGauges) gauge.reset();
      for (const view of views) {
        const labels = { account: view.account };
        quotaUsed.set(labels, view.used);
        quotaLimit.set(labels, view.limit);
        running.set(labels, view.running);
        if (view.runningLimit !== undefined) runningLimit.set(labels, view.runningLimit);
      }
    } catch (error) {
      collectErrors.inc({ source: "quota" });
      logger.warn({ err: error }, "metrics: cannot read the quota");
    }
  };
  const readQuota = () => {
    quotaRead ??= refreshQuota().finally(() => {
      quotaRead = undefined;
    });
    return quotaRead;
  };
  const quotaGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ["account"], registers, collect: readQuota });
  const quotaUsed = quotaGauge(
    "smc_waves_quota_used_jobs",
    "Replication jobs that exist in the account (ours and others'), as the quota counts them",
  );
  const quotaLimit = quotaGauge(
    "smc_waves_quota_limit_jobs",
    "The account's replication job quota",
  );
  const running = quotaGauge("smc_waves_running_jobs", "Replication jobs running in the account");
  const runningLimit = quotaGauge(
    "smc_waves_running_limit_jobs",
    "The account's cap on running jobs, when it has one",
  );
  const quotaGauges = [quotaUsed, quotaLimit, running, runningLimit];

  const smcCalls = new Counter({
    name: "smc_waves_smc_calls_total",
    help: "SMC API calls by action",
    labelNames: ["action"],
    registers,
  });
  const smcErrors = new Counter({
    name: "smc_waves_smc_errors_total",
    help: "SMC API calls that failed, by action and the service's error code",
    labelNames: ["action", "code"],
    registers,
  });
  const smcCallDuration = new Histogram({
    name: "smc_waves_smc_call_duration_seconds",
    help: "SMC API call latency",
    labelNames: ["action"],
    buckets: CALL_DURATION_BUCKETS,
    registers,
  });
  const smcRetries = new Counter({
    name: "smc_waves_smc_retries_total",
    help: "SMC API calls retried after a transient or throttling error",
    labelNames: ["action", "code"],
    registers,
  });
  const restarts = new Counter({
    name: "smc_waves_job_restarts_total",
    help: "Replication jobs restarted after landing in InError, by ErrorCode",
    labelNames: ["code"],
    registers,
  });
  const jobs = new Counter({
    name: "smc_waves_jobs_total",
    help: "Replication job lifecycle events handled by this daemon",
    labelNames: ["event"],
    registers,
  });
  const jobDuration = new Histogram({
    name: "smc_waves_job_duration_seconds",
    help: "Run time of finished replication jobs, StartTime to EndTime",
    buckets: JOB_DURATION_BUCKETS,
    registers,
  });
  const pollLag = new Gauge({
    name: "smc_waves_poll_lag_seconds",
    help: "How late the last batch poll ran against its schedule",
    labelNames: ["account"],
    registers,
  });
  const quotaBlocked = new Counter({
    name: "smc_waves_quota_blocked_total",
    help: "Times a server waited because the account had no free quota slot",
    labelNames: ["account"],
    registers,
  });
  const externalJobs = new Gauge({
    name: "smc_waves_external_jobs",
    help: "Replication jobs in the account that are not ours, at the last reconcile",
    labelNames: ["account"],
    registers,
  });

  const notifications = new Counter({
    name: "smc_waves_notifications_total",
    help: "Webhook delivery tries by this daemon: delivered, retried (a try failed, more follow) or failed (given up; the job stays in the notifications queue's failed state)",
    labelNames: ["webhook", "outcome"],
    registers,
  });
  const notificationsDropped = new Counter({
    name: "smc_waves_notifications_dropped_total",
    help: "Notifications lost because Redis refused to enqueue them",
    labelNames: ["event"],
    registers,
  });
  const notificationLatency = new Histogram({
    name: "smc_waves_notification_latency_seconds",
    help: "From the fact (a wave finished) to its webhook taking the message, retries included",
    labelNames: ["webhook"],
    buckets: NOTIFICATION_LATENCY_BUCKETS,
    registers,
  });
  const { redisReachable } = options;
  if (redisReachable) {
    new Gauge({
      name: "smc_waves_redis_up",
      help: "1 while the daemon's Redis answers, 0 during an outage (the API then answers 503)",
      registers,
      collect() {
        this.set(redisReachable() ? 1 : 0);
      },
    });
  }

  const offs = [
    events.on("notification:delivered", (e) => {
      notifications.inc({ webhook: e.webhook, outcome: "delivered" });
      notificationLatency.observe({ webhook: e.webhook }, e.latencyMs / 1000);
    }),
    events.on("notification:failed", (e) =>
      notifications.inc({ webhook: e.webhook, outcome: e.final ? "failed" : "retried" }),
    ),
    events.on("notification:dropped", (e) => notificationsDropped.inc({ event: e.event })),
    events.on("smc:call", (e) => {
      smcCalls.inc({ action: e.action });
      smcCallDuration.observe({ action: e.action }, e.durationMs / 1000);
      if (!e.ok) smcErrors.inc({ action: e.action, code: e.code ?? "Unknown" });
    }),
    events.on("smc:retry", (e) => smcRetries.inc({ action: e.action, code: e.code })),
    events.on("job:restarted", (e) => {
      restarts.inc({ code: e.errorCode });
      jobs.inc({ event: "restarted" });
    }),
    events.on("job:created", () => jobs.inc({ event: "created" })),
    events.on("job:adopted", () => jobs.inc({ event: "adopted" })),
    events.on("job:deleted", () => jobs.inc({ event: "deleted" })),
    events.on("job:finished", (e) => {
      jobs.inc({ event: "finished" });
      jobDuration.observe(e.durationMs / 1000);
    }),
    events.on("poll:completed", (e) => pollLag.set({ account: e.account }, e.lagMs / 1000)),
    events.on("quota:blocked", (e) => quotaBlocked.inc({ account: e.account })),
    events.on("reconcile:completed", (e) => externalJobs.set({ account: e.account }, e.external)),
  ];

  return {
    registry,
    contentType: registry.contentType,
    async text() {
      const [ours, ...bullmq] = await Promise.all([
        registry.metrics(),
        ...queues.map((queue) =>
          guard(() => queue.exportPrometheusMetrics()).catch((error: unknown) => {
            collectErrors.inc({ source: "bullmq" });
            logger.warn({ err: error, queue: queue.name }, "metrics: cannot read a queue");
            return "";
          }),
        ),
      ]);
      return `${ours.trimEnd()}\n${mergeFamilies(bullmq)}`;
    },
    close() {
      for (const off of offs) off();
    },
  };
}

/**
 * Each queue's export repeats `# HELP`/`# TYPE` for the same families; the exposition format allows
 * one block per family, so samples are grouped under a single header.
 */
export function mergeFamilies(texts: readonly string[]): string {
  const families = new Map<string, { header: string[]; samples: string[] }>();
  const family = (name: string) => {
    let entry = families.get(name);
    if (!entry) {
      entry = { header: [], samples: [] };
      families.set(name, entry);
    }
    return entry;
  };
  for (const line of texts.flatMap((text) => text.split("\n"))) {
    const comment = /^# (HELP|TYPE) (\S+)/.exec(line);
    if (comment?.[2]) {
      const entry = family(comment[2]);
      if (!entry.header.some((h) => h.startsWith(`# ${comment[1]} `))) entry.header.push(line);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (sample?.[1]) family(sample[1]).samples.push(line);
  }
  return [...families.values()]
    .map(({ header, samples }) => [...header, ...samples].join("\n"))
    .join("\n")
    .concat(families.size > 0 ? "\n" : "");
}
