import { readFileSync } from "node:fs";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { VALID_PLAN } from "./planFixture.ts";
import { planJsonSchema } from "./planSchema.ts";

/**
 * The JSON Schema is checked with a real validator: Ajv in strict mode, the one Fastify (a
 * dependency already) compiles route schemas with. Strict Ajv refuses unknown keywords and
 * malformed schemas at compile time; no coercion or stripping, so it judges data as editors do.
 */
async function schemaValidator() {
  const { $schema, ...schema } = planJsonSchema();
  // Draft 2020-12 is what zod declares; the keywords used are the draft-07 subset Ajv's default
  // instance speaks, so the declaration is dropped rather than pulling in another Ajv build.
  expect($schema).toBe("https://json-schema.org/draft/2020-12/schema");
  const app = Fastify({
    ajv: {
      customOptions: {
        strict: true,
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        allErrors: true,
      },
    },
  });
  app.post("/plan", { schema: { body: schema } }, async () => ({ ok: true }));
  await app.ready();
  return {
    check: async (plan: unknown) => {
      const response = await app.inject({ method: "POST", url: "/plan", payload: plan as object });
      return { status: response.statusCode, body: response.json() as { message?: string } };
    },
    close: () => app.close(),
  };
}

describe("planJsonSchema", () => {
  it("compiles in strict Ajv and accepts the example plan and the fixture plan", async () => {
    const validator = await schemaValidator();
    try {
      const example = readFileSync(
        new URL("../../config/plans/example.yaml", import.meta.url),
        "utf8",
      );
      expect(await validator.check(parse(example))).toMatchObject({ status: 200 });
      expect(await validator.check(parse(VALID_PLAN))).toMatchObject({ status: 200 });
    } finally {
      await validator.close();
    }
  });

  it("rejects what the validator rejects: ranges, unknown keys, enums, naming rules", async () => {
    const validator = await schemaValidator();
    try {
      const plan = parse(VALID_PLAN) as Record<string, unknown>;
      const cases: [string, unknown][] = [
        ["systemDiskSize", { ...plan, defaults: { systemDiskSize: 10 } }],
        ["sytemDiskSize", { ...plan, defaults: { sytemDiskSize: 80 } }],
        ["onFinish", { ...plan, policy: { onFinish: "remove" } }],
        ["name", { ...plan, name: "DC1 to Hangzhou" }],
        ["waves", { ...plan, waves: [] }],
      ];
      for (const [key, broken] of cases) {
        const { status, body } = await validator.check(broken);
        expect(status, key).toBe(400);
        expect(body.message ?? "").toMatch(/body/);
      }
    } finally {
      await validator.close();
    }
  });

  it("describes keys for editors", () => {
    const schema = planJsonSchema() as {
      title: string;
      properties: { defaults: { properties: { systemDiskSize: { description: string } } } };
    };
    expect(schema.title).toBe("smc-waves plan");
    expect(schema.properties.defaults.properties.systemDiskSize.description).toMatch(/GiB/);
  });
});
