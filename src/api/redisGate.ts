import type { Migrations } from "../orchestrator/views.ts";
import type { RedisHealth } from "../platform/redisHealth.ts";

/** What the API needs of the Redis health tracker. */
export type RedisGate = Pick<RedisHealth, "run" | "state" | "error">;

/**
 * `migrations` with every call run through the gate: while Redis is unreachable a call rejects at
 * once with RedisUnreachableError (the routes answer 503), and a call waiting on a Redis that stops
 * answering rejects as soon as the tracker notices, instead of hanging the request.
 */
export function guardMigrations(migrations: Migrations, gate: RedisGate): Migrations {
  return {
    submit: (plan, actor) => gate.run(() => migrations.submit(plan, actor)),
    check: (plan) => gate.run(() => migrations.check(plan)),
    listPlans: () => gate.run(() => migrations.listPlans()),
    getPlan: (planId) => gate.run(() => migrations.getPlan(planId)),
    timeline: (planId, options) => gate.run(() => migrations.timeline(planId, options)),
    planDetail: (planId, options) => gate.run(() => migrations.planDetail(planId, options)),
    serverPage: (planId, query) => gate.run(() => migrations.serverPage(planId, query)),
    pause: (planId, actor) => gate.run(() => migrations.pause(planId, actor)),
    resume: (planId, actor) => gate.run(() => migrations.resume(planId, actor)),
    cancel: (planId, options, actor) => gate.run(() => migrations.cancel(planId, options, actor)),
    retryFailed: (planId, actor) => gate.run(() => migrations.retryFailed(planId, actor)),
    approve: (planId, options, actor) => gate.run(() => migrations.approve(planId, options, actor)),
    cutover: (planId, options, actor) => gate.run(() => migrations.cutover(planId, options, actor)),
    release: (planId, actor) => gate.run(() => migrations.release(planId, actor)),
    quota: () => gate.run(() => migrations.quota()),
    accountJobs: (account) => gate.run(() => migrations.accountJobs(account)),
    forecast: (planId, request) => gate.run(() => migrations.forecast(planId, request)),
    forecastNew: (plan, request) => gate.run(() => migrations.forecastNew(plan, request)),
  };
}
