/**
 * Explicit sources, as a scenario file (YAML or JSON: `{ sources: [...] }`) or the admin route
 * (`POST /_emulator/sources`) give them. Parsed once here; errors name the path and the bad value.
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { SourceSpec } from "./sourceCatalogue.ts";

const NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5:_-]{1,127}$/u;

const sourceSpecSchema = z
  .object({
    sourceId: z
      .string()
      .regex(/^s-[a-z0-9]{20}$/, "expected s- and 20 lowercase letters or digits")
      .optional(),
    name: z
      .string()
      .regex(
        NAME,
        "expected 2–128 characters starting with a letter, then letters, digits, ':', '_', '-'",
      ),
    description: z.string().max(256).optional(),
    state: z.enum(["Available", "Unavailable", "Deleting"]).optional(),
    errorCode: z.string().max(128).optional(),
    platform: z.string().min(1).max(64).optional(),
    architecture: z.string().min(1).max(32).optional(),
    systemDiskGiB: z.number().int().min(20).max(500).optional(),
    dataDiskGiB: z.array(z.number().int().min(1).max(32768)).max(16).optional(),
  })
  .strict();

const scenarioSchema = z.object({ sources: z.array(sourceSpecSchema) }).strict();

/** Turns zod issues into lines like `sources[3].systemDiskGiB: expected … (got 900)`. */
function describeIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const path = issue.path
      .map((part, i) =>
        typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`,
      )
      .join("");
    let value: unknown = input;
    for (const part of issue.path)
      value =
        value && typeof value === "object"
          ? (value as Record<PropertyKey, unknown>)[part]
          : undefined;
    const got = value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
    return `${path || "(top)"}: ${issue.message}${got}`;
  });
}

export function parseSourceSpecs(
  input: unknown,
): { ok: true; specs: SourceSpec[] } | { ok: false; problems: string[] } {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: describeIssues(result.error, input) };
  const names = new Set<string>();
  const problems: string[] = [];
  result.data.sources.forEach((spec, i) => {
    if (names.has(spec.name))
      problems.push(`sources[${i}].name: ${JSON.stringify(spec.name)} is used twice`);
    names.add(spec.name);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, specs: result.data.sources };
}

/** Reads a scenario file; throws an Error whose message lists every problem with its path. */
export async function loadScenario(path: string): Promise<SourceSpec[]> {
  const text = await readFile(path, "utf8");
  let input: unknown;
  try {
    input = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(
      `${path}: not valid ${path.endsWith(".json") ? "JSON" : "YAML"}: ${(error as Error).message}`,
    );
  }
  const parsed = parseSourceSpecs(input);
  if (!parsed.ok) throw new Error(`${path}: ${parsed.problems.join("\n  ")}`);
  return parsed.specs;
}
