import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NotificationsConfig } from "../src/notifications/notificationConfig.ts";
import type { Notifier } from "../src/notifications/notifier.ts";
import { startNotifier } from "../src/notifications/notifier.ts";
import { Secret } from "../src/notifications/secret.ts";
import { type MigrationEventMap, MigrationEvents } from "../src/platform/events.ts";
import { isolatedRedis } from "./support/redisPrefix.ts";
import {
  type Answer,
  startWebhookReceiver,
  type WebhookReceiver,
} from "./support/webhookReceiver.ts";

/**
 * Two daemons' notifiers on one Redis prefix, each fed the same facts through its own
 * MigrationEvents, deliver to a receiver that answers 500s, answers too late, and is down for a
 * while. Every fact must arrive, each as one delivery job whatever the retries and the duplicate
 * enqueues, signed with the documented scheme.
 */

const SECRET = "whsec-test-0123456789";
const WINDOW_MS = 400;
const TIMEOUT_MS = 800;
const ATTEMPTS = 40;
const logger = pino({ level: process.env.SMC_WAVES_TEST_LOG ?? "silent" });

/** A small seeded PRNG (mulberry32): the same run of faults every time. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, ms = 40_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let redis: Awaited<ReturnType<typeof isolatedRedis>>;
let receiver: WebhookReceiver;
const daemons: Array<{ events: MigrationEvents; notifier: Notifier }> = [];
const failures: MigrationEventMap["notification:failed"][] = [];

function config(url: string): NotificationsConfig {
  const hook = (name: string, format: "json" | "slack", events: string[], secret = true) => ({
    name,
    url: new Secret(`${url}/${name}`),
    displayUrl: url,
    format,
    events,
    ...(secret ? { secret: new Secret(SECRET) } : {}),
  });
  return {
    serverFailureWindowMs: WINDOW_MS,
    webhooks: [
      hook("ops", "json", ["*"]),
      hook("chat", "slack", ["wave.*", "server.failed"]),
      hook("broken", "json", ["plan.failed"], false),
    ],
    delivery: {
      attempts: ATTEMPTS,
      backoffMs: 25,
      maxBackoffMs: 250,
      timeoutMs: TIMEOUT_MS,
      concurrency: 8,
      dedupeWindowMs: 3_600_000,
    },
  };
}

/** Both daemons see the fact, as when each runs a step that reports it. */
function both<E extends keyof MigrationEventMap>(event: E, payload: MigrationEventMap[E]) {
  for (const daemon of daemons) daemon.events.emit(event, payload);
}

const failed = (key: string, code = "SourceServerState.Invalid") => ({
  planId: "p1",
  wave: "w1",
  key,
  status: "failed" as const,
  reason: `${code}: ${key} is unreachable`,
  generation: 0,
});

beforeAll(async () => {
  redis = await isolatedRedis();
  const random = seeded(42);
  receiver = await startWebhookReceiver({
    secret: SECRET,
    slowMs: 2 * TIMEOUT_MS,
    decide: (path): Answer => {
      if (path === "/broken") return "error";
      const r = random();
      return r < 0.25 ? "error" : r < 0.4 ? "slow" : "ok";
    },
  });
  for (let i = 0; i < 2; i += 1) {
    const events = new MigrationEvents();
    events.on("notification:failed", (e) => failures.push(e));
    const notifier = await startNotifier({
      redis: redis.redis,
      prefix: redis.prefix,
      config: config(receiver.url),
      events,
      logger,
      random: seeded(7 + i),
    });
    daemons.push({ events, notifier });
  }
});

afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.notifier.close()));
  await receiver?.close();
  await redis?.cleanup();
});

const ok = (path: string) => receiver.requests.filter((r) => r.path === path);
const processedKeys = (path: string) => [...(receiver.processed.get(path)?.keys() ?? [])].sort();
const jsonBodies = (path: string) =>
  [...(receiver.processed.get(path)?.values() ?? [])].map(
    (body) => JSON.parse(body) as Record<string, unknown>,
  );

describe("webhook notifications through a flaky receiver", () => {
  it("delivers every fact once per webhook, signed, through 500s, timeouts and an outage", async () => {
    const expectedOps: string[] = [];
    const expectedChat: string[] = [];
    for (const planId of ["p1", "p2", "p3"]) {
      const lastWave = planId === "p2" ? "failed" : "succeeded";
      both("plan:submitted", { planId, servers: 4 });
      both("plan:status", { planId, status: "running", previous: "pending", generation: 0 });
      for (const wave of ["w1", "w2"]) {
        both("wave:status", { planId, wave, status: "running", generation: 0 });
        both("wave:status", {
          planId,
          wave,
          status: wave === "w2" ? lastWave : "succeeded",
          generation: 0,
        });
        const waveKeys = [
          `wave:${planId}:${wave}:g0:started`,
          `wave:${planId}:${wave}:g0:${wave === "w2" && lastWave === "failed" ? "failed" : "finished"}`,
        ];
        expectedOps.push(...waveKeys);
        expectedChat.push(...waveKeys);
      }
      both("plan:status", {
        planId,
        status: lastWave,
        previous: "running",
        generation: 0,
        ...(lastWave === "failed" ? { reason: "wave w2 failed" } : {}),
      });
      expectedOps.push(
        `plan:${planId}:submitted`,
        `plan:${planId}:g0:started`,
        `plan:${planId}:g0:${lastWave}`,
      );
    }
    // A pause and resume is no news.
    both("plan:status", { planId: "p1", status: "paused", previous: "running", generation: 0 });
    both("plan:status", { planId: "p1", status: "running", previous: "paused", generation: 0 });

    // The receiver goes away while a gate waits and a cutover happens.
    await receiver.down();
    both("gate:waiting", { planId: "p3", wave: "w2", gate: "approval" });
    both("cutover:ready", { planId: "p3", wave: "w1", key: "web-1", imageId: "m-1" });
    both("cutover:done", { planId: "p3", wave: "w1", key: "web-1", imageId: "m-1" });
    expectedOps.push(
      "gate:p3:w2:approval:g0:waiting",
      "cutover:p3:w1:web-1:g0:ready",
      "cutover:p3:w1:web-1:g0:done",
    );
    await waitFor("deliveries refused while the receiver is down", () =>
      failures.some((f) => f.reason.includes("ECONNREFUSED")),
    );
    await receiver.up();

    // Seven servers fail at once, reported by both daemons (five of them twice): one message.
    const [a, b] = daemons;
    for (const key of ["s1", "s2", "s3", "s4", "s5"]) a?.events.emit("server:status", failed(key));
    for (const key of ["s1", "s2", "s3", "s4", "s5", "s6", "s7"])
      b?.events.emit("server:status", failed(key, "InError"));
    await waitFor("the first failure message", () =>
      processedKeys("/ops").includes("servers-failed:p1:w1:1"),
    );
    // Two more after it: the next window's message.
    for (const key of ["s8", "s9"]) a?.events.emit("server:status", failed(key));
    expectedOps.push("servers-failed:p1:w1:1", "servers-failed:p1:w1:2");
    expectedChat.push("servers-failed:p1:w1:1", "servers-failed:p1:w1:2");

    const queue = daemons[0]?.notifier.queue;
    if (!queue) throw new Error("the notifier has a queue when webhooks are configured");
    await waitFor("every delivery to end", async () => {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "completed");
      return (
        counts.waiting === 0 &&
        counts.active === 0 &&
        counts.delayed === 0 &&
        processedKeys("/ops").length >= expectedOps.length &&
        processedKeys("/chat").length >= expectedChat.length
      );
    });

    // Every fact arrived, and nothing else (the resume did not notify).
    expect(processedKeys("/ops")).toEqual([...expectedOps].sort());
    expect(processedKeys("/chat")).toEqual([...expectedChat].sort());

    // One delivery job per webhook and fact, though both daemons enqueued it and it was retried.
    for (const path of ["/ops", "/chat"]) {
      const jobsByKey = new Map<string, Set<string>>();
      for (const request of ok(path)) {
        const key = String(request.headers["idempotency-key"]);
        const jobs = jobsByKey.get(key) ?? new Set<string>();
        jobs.add(String(request.headers["x-smc-waves-delivery"]));
        jobsByKey.set(key, jobs);
      }
      for (const [key, jobs] of jobsByKey)
        expect({ key, jobs: jobs.size }).toEqual({ key, jobs: 1 });
    }

    // Signed on every try, with the key in the header and the body alike.
    const signed = [...ok("/ops"), ...ok("/chat")];
    expect(signed.every((request) => request.signatureOk)).toBe(true);
    for (const request of ok("/ops")) {
      expect(JSON.parse(request.body).idempotencyKey).toBe(request.headers["idempotency-key"]);
    }

    // The faults really happened, and the keys absorbed the repeats they caused.
    const answers = signed.map((request) => request.answer);
    expect(answers.filter((answer) => answer === "error").length).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer === "slow").length).toBeGreaterThan(0);
    expect(signed.filter((request) => request.repeat).length).toBeGreaterThan(0);
    expect(failures.some((f) => f.reason === `no answer within ${TIMEOUT_MS} ms`)).toBe(true);

    // Grouped: the first message names the seven servers once each, the second the two after it,
    // a full window later.
    const groups = jsonBodies("/ops")
      .filter((body) => body.event === "server.failed")
      .sort((x, y) => String(x.occurredAt).localeCompare(String(y.occurredAt)));
    expect(groups.map((g) => g.idempotencyKey)).toEqual([
      "servers-failed:p1:w1:1",
      "servers-failed:p1:w1:2",
    ]);
    const names = (g: Record<string, unknown> | undefined) =>
      ((g?.failures ?? []) as Array<{ key: string }>).map((f) => f.key).sort();
    expect(names(groups[0])).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7"]);
    expect(groups[0]?.failureCount).toBe(7);
    expect(names(groups[1])).toEqual(["s8", "s9"]);
    const gap =
      Date.parse(String(groups[1]?.occurredAt)) - Date.parse(String(groups[0]?.occurredAt));
    expect(gap).toBeGreaterThanOrEqual(WINDOW_MS);
    const chatText = [...(receiver.processed.get("/chat")?.values() ?? [])].join("\n");
    expect(chatText).toContain("7 server(s) failed in wave w1 of plan p1");

    // The webhook that always fails tried every attempt, once per fact, then gave up for good:
    // in the queue's failed jobs (the dashboard) and in one final failure event (the metric).
    await waitFor(
      "the broken webhook to give up",
      async () => (await queue.getJobCounts("failed")).failed === 1,
    );
    const refused = failures.filter(
      (f) => f.webhook === "broken" && f.reason.includes("ECONNREFUSED"),
    );
    expect(ok("/broken").length + refused.length).toBe(ATTEMPTS);
    expect(failures.filter((f) => f.webhook === "broken" && f.final)).toHaveLength(1);
    expect(failures.filter((f) => f.webhook === "broken" && !f.final)).toHaveLength(ATTEMPTS - 1);
  });
});
