import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import type { Orchestrator } from "../src/orchestrator/orchestrator.ts";
import type { SourceServer } from "../src/smc/types.ts";
import { type Harness, startHarness, startTestApi } from "./support/migrationHarness.ts";
import { runCli, STACK_LINE } from "./support/runCli.ts";

/** The plan commands as an operator runs them: the real CLI, over HTTP, against a real daemon. */

const TOKEN = "cli-test-token-0123456789abcdef";
let harness: Harness;
let daemon: Orchestrator;
let api: RunningApiServer;
let dir: string;
let sources: SourceServer[];

/** The real CLI against the test daemon's API, with its token. */
function cli(args: string[], env: Record<string, string> = {}) {
  return runCli(args, { SMC_WAVES_URL: api.url, SMC_WAVES_API_TOKEN: TOKEN, ...env });
}

async function planFile(
  name: string,
  servers: readonly SourceServer[],
  waveOptions: string[] = [],
  policy = "{ pollInterval: 1s }",
): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  const lines = servers.map(
    (s) =>
      `      - { sourceId: ${s.sourceId}, systemDiskSize: ${Math.min(500, Math.max(20, s.systemDiskSize))} }`,
  );
  await writeFile(
    file,
    [
      `name: ${name}`,
      "regionId: cn-hangzhou",
      `policy: ${policy}`,
      "waves:",
      "  - name: only",
      ...waveOptions,
      "    servers:",
      ...lines,
      "",
    ].join("\n"),
  );
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-cli-"));
  harness = await startHarness({ sources: 8, quota: 4 });
  daemon = await harness.startDaemon();
  sources = (await harness.client.describeAllSourceServers({})).filter(
    (s) => s.state === "Available",
  );
  api = await startTestApi(harness, daemon, TOKEN);
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("plan commands over the HTTP API", () => {
  it("submit --wait prints the plan id alone and exits 0 when the plan succeeds; status and report show it", async () => {
    const file = await planFile("cli-ok", sources.slice(0, 3));
    const submitted = await cli(["submit", file, "--wait"]);
    expect(submitted).toMatchObject({ code: 0, stdout: "cli-ok\n" });
    expect(submitted.stderr).toContain("only");

    const listed = await cli(["status"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^cli-ok\s+succeeded\s+3\/3 servers/m);

    const shown = await cli(["status", "cli-ok", "--json"]);
    const view = JSON.parse(shown.stdout) as {
      status: string;
      waves: { servers: { imageId?: string }[] }[];
    };
    expect(view.status).toBe("succeeded");
    expect(view.waves[0]?.servers.every((server) => server.imageId?.startsWith("m-"))).toBe(true);

    const report = await cli(["report", "cli-ok"]);
    expect(report.code).toBe(0);
    const [header, ...rows] = report.stdout.trim().split("\n");
    expect(header).toContain("sourceId");
    expect(rows).toHaveLength(3);

    // Resubmitting is harmless and says so.
    const again = await cli(["submit", file]);
    expect(again).toMatchObject({ code: 0, stdout: "cli-ok\n" });
    expect(again.stderr).toContain("already submitted");
  });

  it("submit --wait exits 3 when the plan ends without succeeding", async () => {
    const file = join(dir, "cli-missing.yaml");
    await writeFile(
      file,
      "name: cli-missing\nregionId: cn-hangzhou\npolicy: { pollInterval: 1s }\nwaves:\n  - name: only\n    servers: [{ name: no-such-server, systemDiskSize: 40 }]\n",
    );
    const result = await cli(["submit", file, "--wait"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("Plan.SourceUnresolved");
  });

  it("exits 1 with file:line:col for an invalid plan, before contacting the daemon", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(
      file,
      "name: broken\nregionId: cn-hangzhou\npolicy: { maxJobs: 0 }\nwaves: []\n",
    );
    const result = await cli(["submit", file], { SMC_WAVES_URL: "http://127.0.0.1:9" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${file}:3:\\d+: `, "m"));
  });

  it("exits 2 when the daemon is unreachable or the token is wrong, and 2 for a control that does not apply", async () => {
    const unreachable = await cli(["status"], { SMC_WAVES_URL: "http://127.0.0.1:9" });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain("cannot reach the smc-waves daemon at http://127.0.0.1:9");

    const refused = await cli(["status"], { SMC_WAVES_API_TOKEN: "wrong-token-wrong-token" });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("SMC_WAVES_API_TOKEN is not one of its tokens");
    expect(refused.stderr).not.toContain("wrong-token-wrong-token");

    const ended = await cli(["pause", "cli-ok"]);
    expect(ended.code).toBe(2);
    expect(ended.stderr).toContain("cli-ok");

    // Nothing to retry is refused the same way, with the daemon's reason.
    const nothing = await cli(["retry-failed", "cli-ok"]);
    expect(nothing).toMatchObject({
      code: 2,
      stdout: "",
      stderr:
        "smc-waves retry-failed: plan cli-ok succeeded with nothing to retry: no server failed, was cancelled or skipped\n",
    });

    const unknown = await cli(["status", "no-such-plan"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no plan with id "no-such-plan"');
  });

  it("a wrong command line is one line naming the flag, then the usage (exit 1); --debug adds the stack", async () => {
    const typo = await cli(["status", "--jsn"]);
    expect(typo).toMatchObject({
      code: 1,
      stdout: "",
      stderr:
        "smc-waves status: unknown option --jsn; did you mean --json?\nusage: smc-waves status [PLAN_ID] [--watch] [--json] [--server URL] (smc-waves status --help for more)\n",
    });
    const command = await cli(["stauts"]);
    expect(command.code).toBe(1);
    expect(command.stderr).toContain("unknown command 'stauts'; did you mean 'status'?");

    const quiet = await cli(["status"], { SMC_WAVES_URL: "http://127.0.0.1:9" });
    expect(quiet.stderr).not.toMatch(STACK_LINE);
    const debug = await cli(["status", "--debug"], { SMC_WAVES_URL: "http://127.0.0.1:9" });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toContain("cannot reach the smc-waves daemon");
    expect(debug.stderr).toMatch(STACK_LINE);

    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      "exit codes (every command):\n  0  ok\n  1  invalid input: usage, config or plan; nothing was changed\n  2  unreachable or refused",
    );
  });

  it("status --watch without an id watches the list of plans until Ctrl-C", async () => {
    const child = spawn(process.execPath, ["bin/smc-waves.js", "status", "--watch"], {
      env: { ...process.env, SMC_WAVES_URL: api.url, SMC_WAVES_API_TOKEN: TOKEN },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    const exited = once(child, "exit");
    try {
      // Not a terminal: each refresh appends the list, so two lists mean it went on watching.
      await expect
        .poll(() => stdout.match(/^cli-ok\s+succeeded/gm)?.length ?? 0, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(2);
    } finally {
      child.kill("SIGINT");
      await exited;
    }
  });

  it("pauses, resumes and cancels a plan", async () => {
    // Held by a notBefore far ahead, so the plan is still running whatever the machine's speed.
    const file = await planFile("cli-control", sources.slice(3, 8), [
      '    notBefore: "2099-01-01T00:00:00Z"',
    ]);
    const submitted = await cli(["submit", file]);
    expect(submitted.code).toBe(0);
    const paused = await cli(["pause", "cli-control"]);
    expect(paused).toMatchObject({ code: 0 });
    expect(paused.stdout).toMatch(/^cli-control\s+paused/);
    expect((await cli(["resume", "cli-control"])).stdout).toMatch(/^cli-control\s+running/);
    const cancelled = await cli(["cancel", "cli-control", "--stop-running"]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/^cli-control\s+cancelled/);
  });

  it("jobs lists the account's jobs with their owners; release frees what a plan kept", async () => {
    // Someone else's job, and a plan that keeps its finished jobs.
    const stranger = await harness.client.createReplicationJob({
      sourceId: sources[7]?.sourceId ?? "",
      systemDiskSize: 500,
    });
    const file = await planFile(
      "cli-keep",
      sources.slice(4, 6),
      [],
      "{ pollInterval: 1s, onFinish: keep }",
    );
    expect((await cli(["submit", file, "--wait"])).code).toBe(0);

    const jobs = await cli(["jobs"]);
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toMatch(new RegExp(`^${stranger.jobId}\\s+Ready\\s+.*not smc-waves$`, "m"));
    expect(jobs.stdout).toMatch(/cli-keep\/\S+ \(succeeded\)$/m);
    expect(jobs.stdout).toContain("left behind by ended plans (2):");
    expect(jobs.stdout).toContain("onFinish is keep");

    const released = await cli(["release", "cli-keep"]);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain("plan cli-keep: 2 job(s) deleted");
    const again = await cli(["release", "cli-keep"]);
    expect(again).toMatchObject({ code: 0, stdout: "plan cli-keep left no job in the account\n" });
    const after = JSON.parse((await cli(["jobs", "--json"])).stdout) as { jobId: string }[];
    expect(after.map((job) => job.jobId)).toEqual([stranger.jobId]);
    await harness.client.deleteReplicationJob({ jobId: stranger.jobId });

    // An unknown name is invalid input (exit 1), like an unknown plan id.
    const unknown = await cli(["jobs", "--account", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no account "nope"');
  });
});
