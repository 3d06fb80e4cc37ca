import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../src/emulator/startEmulator.ts";
import { runCli } from "./support/runCli.ts";

const EXAMPLE = "config/plans/example.yaml";

const cli = runCli;

let dir: string;
let emulator: RunningEmulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "smc-waves-plan-"));
  emulator = await startEmulator({ port: 0, sources: 50, seed: 1 });
});

afterAll(async () => {
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const BROKEN = `name: dc1
regionId: cn-hangzhou
defaults:
  systemDiskSize: 10
waves:
  - name: w1
    servers: [{ name: web-01, sytemDiskSize: 90 }]
`;

describe("smc-waves validate", () => {
  it("exits 0 with a one-line summary for the example plan", async () => {
    const { code, stdout } = await cli(["validate", EXAMPLE]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${EXAMPLE}: ok — 3 waves, 12 servers\n`);
  });

  it("exits 1 and prints every problem as file:line:col: message", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(file, BROKEN);
    const { code, stdout, stderr } = await cli(["validate", file]);
    expect(code).toBe(1);
    expect(stdout.trim().split("\n")).toEqual([
      `${file}:4:19: Expected \`systemDiskSize\` to be a whole number from 20 to 500, got \`10\``,
      `${file}:7:31: Unknown key \`sytemDiskSize\` in \`servers[0]\`; did you mean \`systemDiskSize\`?`,
    ]);
    expect(stderr).toContain("2 problems");
  });

  it("--json gives the same problems as a list of {line, col, path, message}", async () => {
    const file = join(dir, "broken-json.yaml");
    await writeFile(file, BROKEN);
    const { code, stdout } = await cli(["validate", file, "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual([
      {
        line: 4,
        col: 19,
        path: "defaults.systemDiskSize",
        message: "Expected `systemDiskSize` to be a whole number from 20 to 500, got `10`",
      },
      {
        line: 7,
        col: 31,
        path: "waves[0].servers[0].sytemDiskSize",
        message: "Unknown key `sytemDiskSize` in `servers[0]`; did you mean `systemDiskSize`?",
      },
    ]);
  });

  it("a missing file is a problem and no file is bad usage: both invalid input (exit 1)", async () => {
    const missing = await cli(["validate", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("nope.yaml:1:1: No such file");
    const usage = await cli(["validate"]);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toBe(
      "smc-waves validate: give exactly one plan file\nusage: smc-waves validate PLAN.yaml [--json] [--online] (smc-waves validate --help for more)\n",
    );
  });

  it("--online exits 2 with the service's refusal when the credentials are wrong or SMC is unreachable", async () => {
    const online = (env: Record<string, string>) =>
      cli(["validate", EXAMPLE, "--online"], { SMC_WAVES_SMC_ENDPOINT: emulator.url, ...env });
    const wrongSecret = await online({
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "not-the-secret",
    });
    expect(wrongSecret.code).toBe(2);
    expect(wrongSecret.stderr).toContain(
      `smc-waves validate: cannot check online: the SMC endpoint ${emulator.url} refused the credentials (SignatureDoesNotMatch: `,
    );
    expect(wrongSecret.stderr).not.toContain("not-the-secret");

    const unknownKey = await online({
      ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAI-nobody",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "whatever",
    });
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain("refused the credentials (InvalidAccessKeyId.NotFound: ");

    const unreachable = await online({
      SMC_WAVES_SMC_ENDPOINT: "http://127.0.0.1:1",
      ALIBABA_CLOUD_ACCESS_KEY_ID: "id",
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret",
    });
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain("cannot reach the SMC endpoint http://127.0.0.1:1");
    for (const result of [wrongSecret, unknownKey, unreachable]) {
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it("--online resolves the example's names against the emulator", async () => {
    const env = {
      SMC_WAVES_SMC_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.credentials.accessKeySecret,
    };
    const clean = await cli(["validate", EXAMPLE, "--online"], env);
    expect(clean).toMatchObject({ code: 0, stdout: `${EXAMPLE}: ok — 3 waves, 12 servers\n` });

    const file = join(dir, "online.yaml");
    await writeFile(
      file,
      "name: dc1\nregionId: cn-hangzhou\ndefaults: { systemDiskSize: 500 }\nwaves:\n  - name: w1\n    servers: [{ name: web-3 }]\n",
    );
    const broken = await cli(["validate", file, "--online"], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(
      `${file}:6:15: No source server is named \`web-3\`; did you mean \`web-03\`?`,
    );
  });
});

describe("smc-waves plan", () => {
  it("prints the dry run: waves, order, parameters, window openings, quota", async () => {
    const { code, stdout } = await cli(["plan", EXAMPLE]);
    expect(code).toBe(0);
    expect(stdout).toContain("quota: holds at most 4 replication jobs at once (maxJobs 4)");
    expect(stdout).toContain("wave 1/3 wave-1-web: 5 servers, holds 4 quota slots");
    expect(stdout).toContain(
      "order: largestFirst (shown as listed: largest first needs source sizes (--online))",
    );
    expect(stdout).toMatch(
      /window: "0 22 \* \* \*" in Asia\/Shanghai, open 10h; next openings:\n {4}\d{4}-\d\d-\d\d 22:00 Asia\/Shanghai/,
    );
    expect(stdout).toContain("SystemDiskSize=420");
    expect(stdout).toContain("RunOnce=false");
    expect(stdout).not.toMatch(/Secret|Signature|AccessKey/);
  });

  it("--online --json orders by source size and names the SourceIds", async () => {
    const { code, stdout } = await cli(["plan", EXAMPLE, "--online", "--json"], {
      SMC_WAVES_SMC_ENDPOINT: emulator.url,
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.credentials.accessKeySecret,
    });
    expect(code).toBe(0);
    const run = JSON.parse(stdout) as {
      problems: unknown[];
      waves: {
        orderNote?: string;
        servers: { sizeBytes: number; parameters: { SourceId: string } }[];
      }[];
    };
    expect(run.problems).toEqual([]);
    const first = run.waves[0];
    expect(first?.orderNote).toBeUndefined();
    const sizes = first?.servers.map((server) => server.sizeBytes) ?? [];
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(first?.servers.every((server) => /^s-\w+$/.test(server.parameters.SourceId))).toBe(true);
  });

  it("refuses a broken plan with its problems (exit 1)", async () => {
    const file = join(dir, "broken-plan.yaml");
    await writeFile(file, BROKEN);
    const { code, stdout } = await cli(["plan", file]);
    expect(code).toBe(1);
    expect(stdout).toContain(`${file}:4:19:`);
  });
});

describe("smc-waves schema", () => {
  it("prints the plan's JSON Schema", async () => {
    const { code, stdout } = await cli(["schema"]);
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { title: string; required: string[] };
    expect(schema.title).toBe("smc-waves plan");
    expect(schema.required).toEqual(["name", "regionId", "waves"]);
  });
});
