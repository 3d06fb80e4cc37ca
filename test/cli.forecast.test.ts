import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { PlanForecast } from "../src/forecast/forecastModel.ts";
import { type Harness, startHarness, startTestApi } from "./support/migrationHarness.ts";
import { runCli, STACK_LINE } from "./support/runCli.ts";

/** `smc-waves plan FILE --forecast`, the real binary: made here from SMC (--online), or by a daemon. */

const EXAMPLE = "config/plans/example.yaml";
const TOKEN = `test-token-${randomUUID()}`;
let dir: string;
let harness: Harness;
let api: RunningApiServer;
let online: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-forecast-"));
  harness = await startHarness({ sources: 50, seed: 1 }, { quota: 3 });
  api = await startTestApi(harness, await harness.startDaemon(), TOKEN);
  online = {
    SMC_WAVES_SMC_ENDPOINT: harness.emulator.url,
    ALIBABA_CLOUD_ACCESS_KEY_ID: harness.emulator.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: harness.emulator.credentials.accessKeySecret,
  };
});
afterAll(async () => {
  await api?.close();
  await harness?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("smc-waves plan --forecast", () => {
  it("--online forecasts here each wave's start and finish, the plan's, and what set each end", async () => {
    const { code, stdout, stderr } = await runCli(
      ["plan", EXAMPLE, "--forecast", "--online", "--seed", "5", "--throughput", "50"],
      { ...online, SMC_WAVES_QUOTA: "4" },
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("forecast of plan dc1-to-hangzhou from ");
    expect(stdout).toContain("(50 sampled runs, seed 5)");
    expect(stdout).toContain("throughput: 50.0 MiB/s per job ±15 % (configured)");
    for (const wave of ["wave 1/3 wave-1-web", "wave 2/3 wave-2-cache-mq", "wave 3/3 wave-3-db"])
      expect(stdout).toContain(wave);
    expect(stdout).toMatch(/finishes {2}P50 \d{4}-\d\d-\d\d \d\d:\d\dZ \(\+/);
    expect(stdout).toMatch(/its end is set by: \S+/);
    expect(stdout).toMatch(/plan finishes {2}P50 .* P90 /);
    expect(stdout).toMatch(/quota use \(median run\): at most [1-4] jobs? at once/);
  });

  it("--json gives the forecast's fields; a bad seed is a usage error", async () => {
    const { code, stdout } = await runCli(
      ["plan", EXAMPLE, "--forecast", "--online", "--json"],
      online,
    );
    expect(code).toBe(0);
    const forecast = JSON.parse(stdout) as PlanForecast;
    expect(forecast.waves.map((wave) => wave.name)).toEqual([
      "wave-1-web",
      "wave-2-cache-mq",
      "wave-3-db",
    ]);
    expect(forecast.jobs).toHaveLength(12);
    expect(Date.parse(forecast.finish.p90)).toBeGreaterThanOrEqual(Date.parse(forecast.finish.p50));
    expect(forecast.throughput.source).toBe("default");

    const bad = await runCli(["plan", EXAMPLE, "--forecast", "--seed", "1.5"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--seed must be a whole number from 0 to 4294967295, got "1.5"');
    expect(bad.stderr).not.toMatch(STACK_LINE);
  });

  it("without --online the daemon forecasts, with its account's quota; no daemon is exit 2", async () => {
    const sources = await harness.client.describeAllSourceServers({});
    const file = join(dir, "daemon.yaml");
    const servers = sources
      .slice(0, 5)
      .map((source) => `{ name: ${source.name}, systemDiskSize: 500 }`);
    await writeFile(
      file,
      `name: by-daemon\nregionId: cn-hangzhou\nwaves:\n  - name: only\n    servers: [${servers.join(", ")}]\n`,
    );
    const { code, stdout } = await runCli(
      ["plan", file, "--forecast", "--json", "--server", api.url],
      { SMC_WAVES_API_TOKEN: TOKEN },
    );
    expect(code).toBe(0);
    const forecast = JSON.parse(stdout) as PlanForecast;
    expect(forecast.jobs).toHaveLength(5);
    expect(Math.max(...forecast.quotaUse.map((step) => step.jobs))).toBe(3);

    const away = await runCli(["plan", file, "--forecast", "--server", "http://127.0.0.1:1"]);
    expect(away.code).toBe(2);
    expect(away.stderr).toContain("cannot reach the smc-waves daemon at http://127.0.0.1:1");
  });
});
