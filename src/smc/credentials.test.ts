import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CredentialsError,
  parseIni,
  protectCredentials,
  resolveCredentials,
} from "./credentials.ts";

const SECRET = "very-secret-value-123";
const TOKEN = "CAIS+sts/token==abcdef";
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "smc-cred-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeProfileFile(text: string, path = join(home, ".alibabacloud", "credentials")) {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, text);
  return path;
}

describe("resolveCredentials", () => {
  it("prefers explicit config over the environment and the profile file", async () => {
    await writeProfileFile(
      "[default]\ntype = access_key\naccess_key_id = fileid\naccess_key_secret = filesecret\n",
    );
    const resolved = await resolveCredentials({
      explicit: { accessKeyId: "cfgid", accessKeySecret: SECRET },
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: "envid", ALIBABA_CLOUD_ACCESS_KEY_SECRET: "envsecret" },
      homeDir: home,
    });
    expect(resolved.source).toBe("explicit config");
    expect(resolved.credentials).toMatchObject({ accessKeyId: "cfgid", accessKeySecret: SECRET });
  });

  it("reads the environment variables, with an STS token", async () => {
    const resolved = await resolveCredentials({
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: "STS.envid",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
        ALIBABA_CLOUD_SECURITY_TOKEN: TOKEN,
      },
      homeDir: home,
    });
    expect(resolved.source).toBe("environment variables");
    expect(resolved.credentials).toMatchObject({
      accessKeyId: "STS.envid",
      accessKeySecret: SECRET,
      securityToken: TOKEN,
    });
  });

  it("reads the default profile of ~/.alibabacloud/credentials", async () => {
    const path = await writeProfileFile(
      `; comment\n[default]\ntype = access_key\naccess_key_id = fileid\naccess_key_secret = "${SECRET}"\n`,
    );
    const resolved = await resolveCredentials({ env: {}, homeDir: home });
    expect(resolved.source).toBe(`profile "default" in ${path}`);
    expect(resolved.credentials).toMatchObject({ accessKeyId: "fileid", accessKeySecret: SECRET });
    expect(resolved.credentials.securityToken).toBeUndefined();
  });

  it("picks the profile named by ALIBABA_CLOUD_PROFILE, type sts", async () => {
    await writeProfileFile(
      `[default]\naccess_key_id = a\naccess_key_secret = b\n\n[mig]\ntype = sts\naccess_key_id = STS.x\naccess_key_secret = ${SECRET}\nsecurity_token = ${TOKEN}\n`,
    );
    const resolved = await resolveCredentials({
      env: { ALIBABA_CLOUD_PROFILE: "mig" },
      homeDir: home,
    });
    expect(resolved.credentials).toMatchObject({ accessKeyId: "STS.x", securityToken: TOKEN });
  });

  it("reads the file named by ALIBABA_CLOUD_CREDENTIALS_FILE, and insists it exists", async () => {
    const path = await writeProfileFile(
      `[default]\naccess_key_id = other\naccess_key_secret = ${SECRET}\n`,
      join(home, "elsewhere.ini"),
    );
    const resolved = await resolveCredentials({
      env: { ALIBABA_CLOUD_CREDENTIALS_FILE: path },
      homeDir: home,
    });
    expect(resolved.credentials.accessKeyId).toBe("other");
    await expect(
      resolveCredentials({
        env: { ALIBABA_CLOUD_CREDENTIALS_FILE: join(home, "missing.ini") },
        homeDir: home,
      }),
    ).rejects.toThrow(/missing\.ini.*ALIBABA_CLOUD_CREDENTIALS_FILE.*file not found/);
  });

  it("says which sources it tried when nothing is found", async () => {
    const failure = resolveCredentials({ env: {}, homeDir: home });
    await expect(failure).rejects.toBeInstanceOf(CredentialsError);
    await expect(failure).rejects.toThrow(
      /explicit config \(none given\).*ALIBABA_CLOUD_ACCESS_KEY_ID.*not set.*profile "default".*file not found/,
    );
  });

  it("rejects half-given credentials without echoing the secret", async () => {
    const failure = resolveCredentials({
      env: { ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET },
      homeDir: home,
    });
    await expect(failure).rejects.toThrow(/ALIBABA_CLOUD_ACCESS_KEY_ID is missing/);
    await failure.catch((error: Error) => expect(error.message).not.toContain(SECRET));
    await expect(resolveCredentials({ explicit: { accessKeyId: "x" }, env: {} })).rejects.toThrow(
      /explicit config: accessKeyId is set but accessKeySecret is missing/,
    );
  });

  it("explains an unknown profile, an unsupported type and a missing token", async () => {
    await writeProfileFile(
      `[default]\ntype = ram_role_arn\naccess_key_id = a\naccess_key_secret = ${SECRET}\n[s]\ntype = sts\naccess_key_id = a\naccess_key_secret = ${SECRET}\n`,
    );
    await expect(
      resolveCredentials({ env: { ALIBABA_CLOUD_PROFILE: "nope" }, homeDir: home }),
    ).rejects.toThrow(/profile "nope".*no such profile.*"default", "s"/);
    await expect(resolveCredentials({ env: {}, homeDir: home })).rejects.toThrow(
      /type "ram_role_arn" is not supported/,
    );
    const failure = resolveCredentials({ env: { ALIBABA_CLOUD_PROFILE: "s" }, homeDir: home });
    await expect(failure).rejects.toThrow(/needs security_token/);
    await failure.catch((error: Error) => expect(error.message).not.toContain(SECRET));
  });
});

describe("protectCredentials", () => {
  it("keeps the secret usable but out of JSON and inspect output", () => {
    const credentials = protectCredentials({
      accessKeyId: "id",
      accessKeySecret: SECRET,
      securityToken: TOKEN,
    });
    expect(credentials.accessKeySecret).toBe(SECRET);
    expect(JSON.stringify(credentials)).not.toContain(SECRET);
    expect(JSON.stringify(credentials)).not.toContain(TOKEN);
    expect(inspect(credentials)).not.toContain(SECRET);
    expect(inspect({ nested: credentials }, { depth: 5 })).not.toContain(TOKEN);
    expect(inspect(credentials)).toContain("id");
  });
});

describe("parseIni", () => {
  it("reads sections, trims, strips quotes and skips comments", () => {
    const sections = parseIni("top = ignored\n# c\n[a]\n k = v \n[b]\nq='x y'\r\n");
    expect(sections.get("a")?.get("k")).toBe("v");
    expect(sections.get("b")?.get("q")).toBe("x y");
    expect([...sections.keys()]).toEqual(["a", "b"]);
  });
});
