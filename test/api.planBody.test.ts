import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningApiServer } from "../src/api/server.ts";
import { type Harness, startHarness, startTestApi } from "./support/migrationHarness.ts";

/** The bodies `POST /api/plans` takes: YAML text, or JSON {yaml, file}; anything else is a 415. */

const TOKEN = `test-token-${randomUUID()}`;
let harness: Harness;
let api: RunningApiServer;
let source = "";

beforeAll(async () => {
  harness = await startHarness({ sources: 2, quota: 2 });
  api = await startTestApi(harness, await harness.startDaemon(), TOKEN);
  source = (await harness.client.describeAllSourceServers({}))[0]?.name ?? "";
});
afterAll(async () => {
  await api?.close();
  await harness?.close();
});

/** A plan held by a notBefore far ahead: submitted, it creates nothing. */
const heldPlan = (name: string) =>
  `name: ${name}\nregionId: cn-hangzhou\nwaves:\n  - name: only\n    notBefore: "2099-01-01T00:00:00Z"\n    servers: [{ name: ${source}, systemDiskSize: 500 }]\n`;

function post(body: string, type: string) {
  return fetch(`${api.url}/api/plans`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": type },
    body,
  });
}

describe("POST /api/plans bodies", () => {
  it("answers 415 to a plan sent as another content type, naming the accepted ones", async () => {
    const response = await post("name: x", "application/xml");
    expect(response.status).toBe(415);
    const { error, message } = (await response.json()) as { error: string; message: string };
    expect(error).toBe("unsupported_media_type");
    expect(message).toContain("text/yaml");
    expect(message).toContain('application/json) of the form {"yaml"');
  });

  it("takes a plan as JSON {yaml, file}, and answers 415 to any other JSON", async () => {
    const name = `json-${randomUUID().slice(0, 8)}`;
    const submitted = await post(JSON.stringify({ yaml: heldPlan(name) }), "application/json");
    expect(submitted.status).toBe(201);
    expect(await submitted.json()).toMatchObject({ planId: name, created: true });
    // The same plan as YAML text is the same plan.
    const again = await post(heldPlan(name), "text/yaml");
    expect(await again.json()).toMatchObject({ planId: name, created: false });

    const broken = await post(
      JSON.stringify({ yaml: "name: x\nregionId: [oops\n", file: "upload.yaml" }),
      "application/json",
    );
    expect(broken.status).toBe(400);
    const { problems } = (await broken.json()) as { problems: Array<{ line: number }> };
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2);

    for (const body of [{ plan: "name: x" }, { yaml: 42 }, { yaml: "x", extra: 1 }, ["name: x"]]) {
      const refused = await post(JSON.stringify(body), "application/json");
      expect(refused.status, JSON.stringify(body)).toBe(415);
      expect(((await refused.json()) as { message: string }).message).toContain("text/yaml");
    }
  });
});
