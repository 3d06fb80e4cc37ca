import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { BROKEN_PLANS } from "./brokenPlans.fixture.ts";
import { NOW, VALID_PLAN } from "./planFixture.ts";
import { validatePlanText } from "./validatePlanText.ts";

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T =>
  list[Math.floor(random() * list.length)] as T;

const GARBAGE = [
  "[",
  "]",
  "{",
  "}",
  ":",
  ": ",
  "- ",
  "&a ",
  "*a",
  "!!binary ",
  "\t",
  '"',
  "'",
  "#",
  "%YAML 1.1\n",
  "|\n",
  ">-\n",
  "? ",
  "<<: *a\n",
  "\u0000",
  "\uFEFF",
  "💥",
  "---\n",
  "...\n",
  "\n  ",
  "0x1F",
  "~",
  "1e309",
  "-.inf",
  ".nan",
  "2026-13-45T99:99:99Z",
  "aliyun",
  "http://",
  "@",
  "`",
];

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e21,
  Number.MAX_SAFE_INTEGER + 2,
  "",
  " ",
  "30x",
  "-5d",
  "2026-12-05T14:00:00Z",
  "s-",
  "Asia/Nowhere",
  "* * * * * * *",
  [],
  [null],
  {},
  { a: { b: [1] } },
  "x".repeat(300),
  ["web-01", "web-01"],
];

function mutateText(random: Random, text: string): string {
  const lines = text.split("\n");
  const at = Math.floor(random() * (lines.length || 1));
  switch (Math.floor(random() * 6)) {
    case 0:
      lines.splice(at, 1);
      return lines.join("\n");
    case 1:
      lines.splice(at, 0, lines[at] ?? "");
      return lines.join("\n");
    case 2:
      return text.slice(0, Math.floor(random() * text.length));
    case 3: {
      const offset = Math.floor(random() * text.length);
      return text.slice(0, offset) + pick(random, GARBAGE) + text.slice(offset);
    }
    case 4: {
      const other = Math.floor(random() * lines.length);
      [lines[at], lines[other]] = [lines[other] ?? "", lines[at] ?? ""];
      return lines.join("\n");
    }
    default:
      lines[at] =
        random() < 0.5 ? `  ${lines[at] ?? ""}` : (lines[at] ?? "").replace(/^ {1,2}/, "");
      return lines.join("\n");
  }
}

/** Every container (mapping or list) in the data with its path, for structural mutations. */
function containers(data: unknown): unknown[] {
  const found: unknown[] = [];
  const stack = [data];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    found.push(node);
    stack.push(...Object.values(node));
  }
  return found;
}

function mutateData(random: Random, text: string): string {
  let data: unknown;
  try {
    data = parse(text);
  } catch {
    return text;
  }
  const targets = containers(data);
  if (targets.length === 0) return stringify(pick(random, WEIRD_VALUES));
  const target = pick(random, targets) as Record<string, unknown> | unknown[];
  const keys = Object.keys(target);
  const key = keys.length > 0 ? pick(random, keys) : "0";
  const record = target as Record<string, unknown>;
  switch (Math.floor(random() * 5)) {
    case 0:
      if (Array.isArray(target)) target.splice(Number(key), 1);
      else delete record[key];
      break;
    case 1:
      record[key] = structuredClone(pick(random, WEIRD_VALUES));
      break;
    case 2:
      if (Array.isArray(target)) target.push(structuredClone(target[Number(key)]));
      else record[`${key}${pick(random, ["s", "_", "X", ""])}`] = record[key];
      break;
    case 3:
      record[
        pick(random, ["sourceId", "name", "servers", "waves", "window", "tags", "policy", "Foo"])
      ] = structuredClone(pick(random, WEIRD_VALUES));
      break;
    default: {
      // Swap a value with another container: lists where mappings go and the reverse.
      record[key] = structuredClone(pick(random, targets));
    }
  }
  return stringify(data, { aliasDuplicateObjects: false });
}

describe("validatePlanText under mutation", () => {
  const example = readFileSync(new URL("../../config/plans/example.yaml", import.meta.url), "utf8");
  const seeds = [VALID_PLAN, example, ...BROKEN_PLANS.map((plan) => plan.text)];
  const ROUNDS = 3000;

  it(`never throws and always answers, over ${ROUNDS} seeded mutations`, () => {
    const random = seededRandom(20261120);
    let clean = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      let text = pick(random, seeds);
      const steps = 1 + Math.floor(random() * 3);
      for (let step = 0; step < steps; step += 1) {
        text = random() < 0.5 ? mutateText(random, text) : mutateData(random, text);
      }
      let result: ReturnType<typeof validatePlanText>;
      try {
        result = validatePlanText(text, { file: "fuzz.yaml", now: NOW });
      } catch (error) {
        throw new Error(`round ${round} threw on:\n${text}\n${String(error)}`);
      }
      if (result.plan !== undefined) {
        clean += 1;
        expect(result.problems).toEqual([]);
      } else {
        expect(result.problems.length, `round ${round}:\n${text}`).toBeGreaterThan(0);
      }
      for (const problem of result.problems) {
        expect(problem.line).toBeGreaterThanOrEqual(1);
        expect(problem.col).toBeGreaterThanOrEqual(1);
        expect(problem.message.length).toBeGreaterThan(0);
      }
    }
    // Some mutations keep the plan valid (a comment, a re-indented blank line): both paths ran.
    expect(clean).toBeGreaterThan(0);
  });
});
