/**
 * `smc-waves emulator` as a user runs it: a child process that prints its URL once listening,
 * answers the official pop-core client, and exits cleanly on SIGTERM; bad flags exit 1 with a
 * message naming the flag.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { popClient } from "./emulatorKit.ts";

const BIN = fileURLToPath(new URL("../bin/smc-waves.js", import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function runCli(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, "emulator", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return child;
}

/** Resolves with the URL of the first "listening" line. */
async function listeningUrl(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  for await (const line of lines) {
    const match = /^SMC emulator listening on (http:\/\/\S+)$/.exec(line);
    if (match?.[1]) return match[1];
  }
  throw new Error("the emulator exited before listening");
}

async function output(
  child: ChildProcess,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  child.stdout?.on("data", (chunk) => {
    stdout += String(chunk);
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr, stdout };
}

describe("smc-waves emulator", () => {
  it("serves 50 seeded sources to pop-core and exits cleanly on SIGTERM", async () => {
    const child = runCli(["--sources", "50", "--port", "0"]);
    const url = await listeningUrl(child);
    const smc = popClient({
      url,
      credentials: { accessKeyId: "emulator-id", accessKeySecret: "emulator-secret" },
    });
    const answer = await smc.call("DescribeSourceServers", { PageSize: 50 });
    expect(answer.TotalCount).toBe(50);
    expect(
      new Set(answer.SourceServers.SourceServer.map((s: { Name: string }) => s.Name)).size,
    ).toBe(50);
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it("takes its credentials, quota and seed from flags", async () => {
    const child = runCli([
      "--sources",
      "3",
      "--port",
      "0",
      "--quota",
      "1",
      "--seed",
      "9",
      "--access-key-id",
      "my-id",
      "--access-key-secret",
      "my-secret",
    ]);
    const url = await listeningUrl(child);
    const smc = popClient({
      url,
      credentials: { accessKeyId: "my-id", accessKeySecret: "my-secret" },
    });
    const sources = (await smc.call("DescribeSourceServers")).SourceServers.SourceServer;
    await smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: sources[0].SourceId,
      SystemDiskSize: sources[0].SystemDiskSize,
    });
    const second = smc.call("CreateReplicationJob", {
      RegionId: "cn-hangzhou",
      SourceId: sources[1].SourceId,
      SystemDiskSize: sources[1].SystemDiskSize,
    });
    await expect(second).rejects.toMatchObject({ code: "QuotaExceeded.ReplicationJob" });
    const exited = output(child);
    child.kill("SIGINT");
    expect((await exited).code).toBe(0);
  });

  it("loads sources from a YAML scenario file, some Unavailable, and reports bad ones by path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "smc-emulator-"));
    try {
      const good = join(dir, "scenario.yaml");
      await writeFile(
        good,
        "sources:\n  - name: erp-01\n    systemDiskGiB: 200\n    dataDiskGiB: [500, 100]\n  - name: erp-02\n    state: Unavailable\n",
      );
      const child = runCli(["--scenario", good, "--sources", "2", "--port", "0"]);
      const url = await listeningUrl(child);
      const smc = popClient({
        url,
        credentials: { accessKeyId: "emulator-id", accessKeySecret: "emulator-secret" },
      });
      const answer = await smc.call("DescribeSourceServers");
      expect(answer.TotalCount).toBe(4);
      const [erp1, erp2] = answer.SourceServers.SourceServer;
      expect(erp1).toMatchObject({ Name: "erp-01", SystemDiskSize: 200, State: "Available" });
      expect(erp1.DataDisks.DataDisk.map((d: { Size: number }) => d.Size)).toEqual([500, 100]);
      expect(erp2).toMatchObject({
        Name: "erp-02",
        State: "Unavailable",
        ErrorCode: "SourceServer.Offline",
      });
      const exited = output(child);
      child.kill("SIGTERM");
      expect((await exited).code).toBe(0);

      const bad = join(dir, "bad.yaml");
      await writeFile(bad, "sources:\n  - name: erp-01\n    systemDiskGiB: 900\n");
      const result = await output(runCli(["--scenario", bad]));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("sources[0].systemDiskGiB");
      expect(result.stderr).toContain("(got 900)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [["--bogus"], "unknown option --bogus"],
    [["--quota", "ten"], '--quota must be a whole number from 0 to 1000000, got "ten"'],
    [
      ["--internal-error-rate", "1.5"],
      '--internal-error-rate must be a number from 0 to 1, got "1.5"',
    ],
    [["--scenario", "/nonexistent/scenario.yaml"], "--scenario"],
  ])("rejects %j with a clear message and exit code 1", async (args, message) => {
    const result = await output(runCli(args));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain("    at ");
  });

  it("prints its options and defaults with --help", async () => {
    const result = await output(runCli(["--help"]));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("--time-scale X");
    expect(result.stdout).toContain("[8787]");
  });
});
