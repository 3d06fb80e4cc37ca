import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { PlanView } from "../src/orchestrator/views.ts";
import {
  type Harness,
  planOverSources,
  startHarness,
  startTestApi,
} from "./support/migrationHarness.ts";
import { runCli } from "./support/runCli.ts";
import { until } from "./support/until.ts";

/**
 * `status` shows a running plan's live ETA, as an operator runs it: the real CLI over HTTP against
 * a real daemon. The emulator runs at 60×: the plan's jobs take emulated hours, so it is still
 * running while the CLI asks.
 */

const TOKEN = `cli-eta-${randomUUID()}`;
let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;

function cli(args: string[]) {
  return runCli(args, { SMC_WAVES_URL: api.url, SMC_WAVES_API_TOKEN: TOKEN });
}

beforeAll(async () => {
  harness = await startHarness({ sources: 4, quota: 2, timeScale: 60 });
  daemon = await harness.startDaemon();
  api = await startTestApi(harness, daemon, TOKEN);
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
});

const ETA = /ETA (\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC \(P90 (?:\d{4}-\d\d-\d\d )?\d\d:\d\d\)/;

describe("status with a running plan", () => {
  it("prints the plan's and each wave's ETA, and --json carries eta {p50, p90, asOf}", async () => {
    const spec = await planOverSources(harness.client, `eta-${randomUUID().slice(0, 8)}`, [3, 1]);
    const { planId } = await daemon.migrations.submit(spec);
    await until(
      "the plan running",
      () => daemon.migrations.getPlan(planId),
      (plan) => plan?.status === "running",
    );

    const json = await cli(["status", planId, "--json"]);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as PlanView;
    const eta = plan.eta;
    if (!eta) throw new Error(`no eta in ${json.stdout.slice(0, 400)}`);
    expect(Date.parse(eta.p50)).toBeLessThanOrEqual(Date.parse(eta.p90));
    expect(Date.parse(eta.asOf)).toBeLessThanOrEqual(Date.parse(eta.p50));

    const text = await cli(["status", planId]);
    expect(text.code).toBe(0);
    const lines = text.stdout.split("\n");
    // The plan's line, then one under each wave that has not ended.
    expect(lines[1]).toMatch(ETA);
    expect(lines.filter((line) => ETA.test(line)).length).toBeGreaterThanOrEqual(2);
    // The world runs on between the two calls (60×) and the forecast with it: close, not equal.
    const [, day, time] = ETA.exec(lines[1] ?? "") ?? [];
    const shown = Date.parse(`${day}T${time}:00Z`);
    expect(Math.abs(shown - Date.parse(eta.p50))).toBeLessThan(60 * 60_000);

    const listed = await cli(["status"]);
    expect(listed.stdout).toMatch(new RegExp(`^${planId}\\s+running.*${ETA.source}`, "m"));
  });
});
