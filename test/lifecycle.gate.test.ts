import { afterEach, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import { tokenHash } from "../src/platform/accessTokens.ts";
import type { MigrationEventMap } from "../src/platform/events.ts";
import { runCli } from "./support/cliProcess.ts";
import {
  incrementalPlan,
  smallSources,
  standingClock,
  stepUntil,
  viewOf,
  waveOf,
} from "./support/incrementalWorld.ts";
import { type Harness, startHarness, startTestApi } from "./support/migrationHarness.ts";

/**
 * `gate: manual`: a wave waits before it starts (status waiting-approval, since when, a
 * gate:waiting event) until someone approves it through the API or the CLI, or approved it in
 * advance; who and when go into the plan's history and the report. No job of a gated wave exists
 * before its approval, by the emulator's records.
 */

let harness: Harness | undefined;
let api: RunningApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  await harness?.close();
  harness = undefined;
});

const TOKEN = "gate-test-token-0123456789abcdef";
const START = Date.UTC(2030, 0, 7, 7, 0);
const STEP = 10 * 60_000;

describe("approval gates", () => {
  it("a gated wave waits until approved through the API; another approved in advance through the CLI never waits", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const gates: MigrationEventMap["gate:waiting"][] = [];
    h.events.on("gate:waiting", (event) => gates.push(event));
    const [a, b, c] = await smallSources(h.client, 3);
    if (!a || !b || !c) throw new Error("no sources");
    const plan = incrementalPlan("gated", [
      { name: "first", sources: [a] },
      { name: "second", sources: [b], gate: "manual" },
      { name: "third", sources: [c], gate: "manual" },
    ]);
    const daemon = await h.startDaemon();
    api = await startTestApi(h, daemon, [
      { name: "alice", role: "operator", hash: tokenHash(TOKEN) },
    ]);
    const { planId } = await daemon.migrations.submit(plan);
    const read = viewOf(daemon, planId);
    const post = (path: string) =>
      fetch(`${api?.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      });

    const held = await stepUntil(
      h,
      "the second wave waits for approval",
      read,
      (view) => waveOf(view, "second")?.status === "waiting-approval",
      { stepMs: STEP },
    );
    const heldSince = waveOf(held, "second")?.waiting?.since ?? 0;
    expect(waveOf(held, "first")?.status).toBe("succeeded");
    expect(waveOf(held, "second")?.waiting).toMatchObject({
      code: "Wave.Approval",
      message: `wave second waits for approval before it starts: 'smc-waves approve ${planId} --wave second'`,
    });
    expect(gates).toEqual([
      {
        planId,
        wave: "second",
        gate: "approval before second",
        reason: expect.stringContaining("waits for approval"),
        generation: 0,
      },
    ]);

    // Time passes; it still waits, says since when, and starts nothing.
    const still = await stepUntil(
      h,
      "a day passes",
      read,
      () => h.emulator.clock.now() > heldSince + 86_400_000,
      {
        stepMs: 2 * 3_600_000,
      },
    );
    expect(waveOf(still, "second")?.status).toBe("waiting-approval");
    expect(waveOf(still, "second")?.waiting?.since).toBe(heldSince);
    expect(h.emulator.timeline().map((job) => job.sourceId)).toEqual([a.sourceId]);
    expect(gates).toHaveLength(1);

    // Refusals say why.
    expect((await post(`/api/plans/${planId}/approve?wave=first`)).status).toBe(409);
    const typo = await post(`/api/plans/${planId}/approve?wave=secnd`);
    expect(typo.status).toBe(404);
    expect(((await typo.json()) as { message: string }).message).toContain("did you mean second?");

    // The third wave approved in advance through the CLI.
    const early = await runCli(["approve", planId, "--wave", "third", "--server", api.url], {
      SMC_WAVES_API_TOKEN: TOKEN,
    });
    expect(early.stderr).toBe("");
    expect(early.code).toBe(0);
    expect(early.stdout).toContain("wave third approved by alice (in advance");

    // The second through the API; a second approval is refused, naming the first.
    const approvedAt = h.emulator.clock.now();
    // As the migration view sends it: a JSON body.
    const approved = await fetch(`${api.url}/api/plans/${planId}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ wave: "second" }),
    });
    expect(approved.status).toBe(200);
    const again = await post(`/api/plans/${planId}/approve?wave=second`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toContain(
      "already approved by alice",
    );

    const ended = h.waitForPlanEnd(planId);
    const done = await stepUntil(h, "the plan ends", read, (v) => v?.status === "succeeded", {
      stepMs: STEP,
    });
    expect(await ended).toBe("succeeded");
    expect(gates.map((gate) => gate.wave)).toEqual(["second"]);
    expect(waveOf(done, "second")?.gate).toEqual({ approvedBy: "alice", approvedAt });
    expect(waveOf(done, "third")?.gate?.approvedBy).toBe("alice");
    const history = done?.history ?? [];
    expect(history.filter((e) => e.event === "wave:approved").map((e) => e.by)).toEqual([
      "alice",
      "alice",
    ]);
    // Only the second wave ever waited.
    expect(history.filter((e) => e.event === "wave:waiting-approval")).toHaveLength(1);
    // Its job was made after the approval, by the emulator's clock.
    const second = h.emulator.timeline().find((job) => job.sourceId === b.sourceId);
    expect(Date.parse(second?.createdAt ?? "")).toBeGreaterThanOrEqual(approvedAt);

    const report = await fetch(`${api.url}/api/plans/${planId}/report`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const csv = await report.text();
    expect(csv.split("\r\n")[0]).toContain("approvedBy,approvedAt");
    expect(csv).toContain(`,alice,${new Date(approvedAt).toISOString()}`);
  }, 120_000);

  it("a plan cancelled while its wave waits for approval ends cancelled with nothing created", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const plan = incrementalPlan("gated-cancel", [
      { name: "first", sources: await smallSources(h.client, 2), gate: "manual" },
    ]);
    const daemon = await h.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    const read = viewOf(daemon, planId);
    await stepUntil(
      h,
      "waiting for approval",
      read,
      (v) => waveOf(v, "first")?.status === "waiting-approval",
      {
        stepMs: 0,
        maxSteps: 600,
      },
    );
    await daemon.migrations.cancel(planId, { stopRunning: false });
    const view = await read();
    expect(view?.status).toBe("cancelled");
    expect(waveOf(view, "first")?.status).toBe("cancelled");
    expect(waveOf(view, "first")?.servers.map((s) => s.reason?.code)).toEqual([
      "Cancelled.NotStarted",
      "Cancelled.NotStarted",
    ]);
    expect(h.emulator.timeline()).toEqual([]);
    await expect(daemon.migrations.approve(planId, { wave: "first" })).rejects.toThrow(
      "there is nothing to approve",
    );
  }, 60_000);
});
