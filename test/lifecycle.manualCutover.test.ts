import { afterEach, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { CutoverResult } from "../src/orchestrator/views.ts";
import { tokenHash } from "../src/platform/accessTokens.ts";
import type { MigrationEventMap } from "../src/platform/events.ts";
import { runCli } from "./support/cliProcess.ts";
import {
  allServers,
  eventsOf,
  imagesOf,
  incrementalPlan,
  smallSources,
  standingClock,
  stepUntil,
  viewOf,
  waveOf,
} from "./support/incrementalWorld.ts";
import { type Harness, startHarness, startTestApi } from "./support/migrationHarness.ts";

/**
 * Cut-overs on a person's word, through the API and the CLI, and `cutover: immediate`: servers in
 * sync keep re-syncing (holding their slots) until asked, then cut over between two runs; the wave
 * and the plan end only when every one has. Judged by the emulator's records.
 */

let harness: Harness | undefined;
let api: RunningApiServer | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  await harness?.close();
  harness = undefined;
});

const TOKEN = "cutover-test-token-0123456789";
const START = Date.UTC(2030, 0, 7, 7, 0);
const STEP = 5 * 60_000;

describe("manual cut-over", () => {
  it("waits in sync until asked: one server through the API, the rest through the CLI; syncData false keeps the last image", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const [db1, db2, db3, app] = await smallSources(h.client, 4);
    if (!db1 || !db2 || !db3 || !app) throw new Error("no sources");
    const plan = incrementalPlan("manual-cutover", [
      {
        name: "db",
        sources: [db1, db2, db3],
        incremental: {
          frequency: 1,
          cutover: { mode: "manual", syncData: false, onTimeout: "wait" },
        },
      },
      { name: "app", sources: [app] },
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

    // In sync, they keep re-syncing: nothing cuts them over but a person.
    const inSync = await stepUntil(
      h,
      "every database re-synced at least once",
      read,
      (view) => (waveOf(view, "db")?.servers ?? []).every((s) => (s.sync?.runs ?? 0) >= 2),
      { stepMs: STEP },
    );
    for (const server of waveOf(inSync, "db")?.servers ?? []) {
      expect(server.status).toBe("syncing");
      expect(server.waiting?.code).toBe("Cutover.Manual");
      expect(server.waiting?.message).toContain(`smc-waves cutover ${planId} --wave db`);
    }
    expect(h.emulator.stats().cutOvers).toBe(0);

    // Refusals name what would work.
    const typo = await post(`/api/plans/${planId}/cutover?wave=dbs`);
    expect(typo.status).toBe(404);
    expect(((await typo.json()) as { message: string }).message).toContain("did you mean db?");
    const plain = await post(`/api/plans/${planId}/cutover?wave=app`);
    expect(plain.status).toBe(409);
    expect(((await plain.json()) as { message: string }).message).toContain(
      "no incremental servers",
    );
    expect((await post(`/api/plans/${planId}/cutover`)).status).toBe(400);

    // One server through the API.
    const one = await post(`/api/plans/${planId}/cutover?wave=db&server=${db1.name}`);
    expect(one.status).toBe(200);
    expect((await one.json()) as CutoverResult).toEqual({
      planId,
      wave: "db",
      requestedBy: "alice",
      servers: [{ server: db1.name, status: "syncing", outcome: "now" }],
    });
    const afterOne = await stepUntil(
      h,
      `${db1.name} cut over`,
      read,
      (view) => allServers(view).find((s) => s.name === db1.name)?.status === "succeeded",
      { stepMs: STEP },
    );
    const first = allServers(afterOne).find((s) => s.name === db1.name);
    expect(first?.cutover).toMatchObject({
      by: "alice",
      requestedBy: "alice",
      syncData: false,
    });
    expect(first?.history.find((e) => e.event === "cutover:requested")?.by).toBe("alice");
    // Without a final sync the job ends with the image it had: no run after the cut-over.
    const images = await imagesOf(h, first?.jobId ?? "");
    expect(first?.imageId).toBe(images.at(-1)?.imageId);
    expect(
      images.every((image) => Date.parse(image.createdAt) <= (first?.cutover?.acceptedAt ?? 0)),
    ).toBe(true);
    for (const name of [db2.name, db3.name])
      expect(allServers(afterOne).find((s) => s.name === name)?.status).toBe("syncing");
    expect(waveOf(afterOne, "app")?.status).toBe("pending");

    // The rest through the CLI.
    const cli = await runCli(["cutover", planId, "--wave", "db", "--url", api.url], {
      SMC_WAVES_API_TOKEN: TOKEN,
    });
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("cut-over of wave db asked for by alice");
    expect(cli.stdout).toMatch(new RegExp(`${db1.name}\\s+succeeded\\s+already cut over`));
    expect(cli.stdout).toMatch(new RegExp(`${db2.name}\\s+syncing\\s+in sync: cuts over`));
    const misuse = await runCli(["cutover", planId, "--wave", "db", "--server", api.url]);
    expect(misuse.code).toBe(1);
    expect(misuse.stderr).toContain("--server names the server to cut over");

    const ended = h.waitForPlanEnd(planId);
    const done = await stepUntil(h, "the plan ends", read, (v) => v?.status === "succeeded", {
      stepMs: STEP,
    });
    expect(await ended).toBe("succeeded");
    const dbJobs = h.emulator.timeline().filter((job) => job.sourceId !== app.sourceId);
    const appJob = h.emulator.timeline().find((job) => job.sourceId === app.sourceId);
    expect(dbJobs.every((job) => job.finishedAt !== null && job.deletedAt !== null)).toBe(true);
    for (const job of dbJobs)
      expect(Date.parse(appJob?.createdAt ?? "")).toBeGreaterThanOrEqual(
        Date.parse(job.deletedAt ?? ""),
      );
    expect(h.emulator.stats().cutOvers).toBe(3);
    expect(
      done?.history.filter((e) => e.event === "cutover:requested").map((e) => [e.by, e.detail]),
    ).toEqual([
      ["alice", `server ${db1.name} of wave db`],
      ["alice", "every incremental server of wave db"],
    ]);
    const report = await fetch(`${api.url}/api/plans/${planId}/report?format=json`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const rows = ((await report.json()) as { servers: { wave: string; cutoverBy: string }[] })
      .servers;
    expect(rows.filter((row) => row.wave === "db").map((row) => row.cutoverBy)).toEqual([
      "alice",
      "alice",
      "alice",
    ]);
  }, 120_000);
});

describe("cutover: immediate", () => {
  it("cuts each server over right after its first full image, with a final sync, and tells nobody it waits", async () => {
    const h = await startHarness({ sources: 40, quota: 10, clock: standingClock(START) });
    harness = h;
    const ready: MigrationEventMap["cutover:ready"][] = [];
    h.events.on("cutover:ready", (event) => ready.push(event));
    const done: MigrationEventMap["cutover:done"][] = [];
    h.events.on("cutover:done", (event) => done.push(event));
    const sources = await smallSources(h.client, 2);
    const plan = incrementalPlan("immediate", [
      {
        name: "db",
        sources,
        incremental: {
          frequency: 24,
          cutover: { mode: "immediate", syncData: true, onTimeout: "wait" },
        },
      },
    ]);
    const daemon = await h.startDaemon();
    const { planId } = await daemon.migrations.submit(plan);
    const ended = h.waitForPlanEnd(planId);
    const view = await stepUntil(
      h,
      "the plan ends",
      viewOf(daemon, planId),
      (v) => v?.status === "succeeded",
      {
        stepMs: STEP,
      },
    );
    expect(await ended).toBe("succeeded");
    for (const server of allServers(view)) {
      const job = h.emulator.timeline().find((candidate) => candidate.jobId === server.jobId);
      // The full copy and the final sync: no scheduled run came in between (frequency 24 h).
      expect(job?.runs).toBe(2);
      expect(job?.deletedAt).not.toBeNull();
      const images = await imagesOf(h, server.jobId ?? "");
      expect(images.map((image) => image.runType)).toEqual(["Manual", "Manual"]);
      expect(server.imageId).toBe(images.at(-1)?.imageId);
      expect(server.cutover?.by).toBe("immediate");
      const events = eventsOf(server);
      expect(events.indexOf("server:cutting-over")).toBe(events.indexOf("server:syncing") + 2);
    }
    expect(ready).toEqual([]);
    expect(done.map((event) => event.key).sort()).toEqual(
      sources.map((s) => `name:${s.name}`).sort(),
    );
  }, 120_000);
});
