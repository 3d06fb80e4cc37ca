import { z } from "zod";
import { closestName } from "./closestName.ts";
import { type Finding, fieldName, type PlanPath, quoteName, quoteValue } from "./planProblem.ts";
import { planSchema } from "./planSchema.ts";

/** Lists of valid keys longer than this are not spelled out in a message. */
const MAX_LISTED_KEYS = 8;

/**
 * Turns zod's issues into findings that quote the value and say what would be valid. Each leaf
 * schema's `error` is a phrase that completes "Expected `key` to be …" (see `schemaParts.ts`).
 */
export function findingsFromIssues(issues: readonly z.core.$ZodIssue[], data: unknown): Finding[] {
  const findings: Finding[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((segment) => typeof segment !== "symbol");
    if (issue.code === "invalid_union") {
      // A mapping where a union also takes a mapping: what is wrong inside it, key by key.
      const branch = mappingBranch(issue.errors, valueAt(data, path));
      if (branch !== undefined) {
        const nested = branch.map((inner) => ({ ...inner, path: [...path, ...inner.path] }));
        findings.push(...findingsFromIssues(nested, data));
        continue;
      }
    }
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) findings.push(unknownKey(path, key));
      continue;
    }
    if (issue.code === "invalid_key") {
      const phrase = issue.issues[0]?.message ?? issue.message;
      const key = String(path[path.length - 1]);
      findings.push({
        path,
        at: "key",
        message: `Invalid key ${quoteName(key)} in \`${fieldName(path.slice(0, -1))}\`: expected ${phrase}`,
      });
      continue;
    }
    const value = valueAt(data, path);
    if (value === undefined && path.length > 0) {
      findings.push({
        path,
        message: `Missing required key \`${String(path[path.length - 1])}\` (${issue.message})`,
      });
      continue;
    }
    const subject = path.length === 0 ? "the plan" : `\`${fieldName(path)}\``;
    const near = typeof value === "string" ? closestName(value, allowedWords(issue)) : undefined;
    findings.push({
      path,
      message: `Expected ${subject} to be ${issue.message}, got ${quoteValue(value)}${near === undefined ? "" : `; did you mean \`${near}\`?`}`,
    });
  }
  return findings;
}

/**
 * The issues of the union branch that takes mappings, when `value` is one and that branch did not
 * refuse it for its type: its problems (unknown keys, bad values inside) are the useful ones.
 */
function mappingBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
  value: unknown,
): readonly z.core.$ZodIssue[] | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  // A branch that refused the value itself (not a mapping, not one of its words) is not it.
  const refusedWhole = (inner: z.core.$ZodIssue) =>
    inner.path.length === 0 && (inner.code === "invalid_type" || inner.code === "invalid_value");
  return branches.find((branch) => branch.length > 0 && !branch.some(refusedWhole));
}

/** The words an enum (or a union of enums and other shapes) accepts, for "did you mean". */
function allowedWords(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "invalid_value")
    return issue.values.filter((word): word is string => typeof word === "string");
  if (issue.code === "invalid_union")
    return issue.errors.flatMap((branch) =>
      branch.filter((inner) => inner.path.length === 0).flatMap(allowedWords),
    );
  return [];
}

function unknownKey(objectPath: PlanPath, key: string): Finding {
  const path = [...objectPath, key];
  const here = objectKeysAt(objectPath);
  const where = objectPath.length === 0 ? "the plan" : `\`${fieldName(objectPath)}\``;
  const base = `Unknown key ${quoteName(key)} in ${where}`;
  const near = closestName(key, here);
  if (near !== undefined) return { path, at: "key", message: `${base}; did you mean \`${near}\`?` };
  const homes = keyHomes().get(key);
  if (homes !== undefined) {
    const list = homes.map((home) => `\`${home}\``);
    const joined = list.length > 1 ? `${list.slice(0, -1).join(", ")} or ${list.at(-1)}` : list[0];
    return { path, at: "key", message: `${base}; it belongs under ${joined}` };
  }
  const valid =
    here.length <= MAX_LISTED_KEYS
      ? `valid keys: ${here.map((name) => `\`${name}\``).join(", ")}`
      : "`smc-waves schema` lists the valid keys";
  return { path, at: "key", message: `${base}; ${valid}` };
}

/** The value at `path` in parsed YAML data; undefined when a step is missing. */
function valueAt(data: unknown, path: PlanPath): unknown {
  let node = data;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    if (Array.isArray(node)) {
      node = typeof segment === "number" ? node[segment] : undefined;
    } else if (Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return node;
}

/** The schema under optional/default wrappers; of a union, its mapping option (cutover's form). */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodUnion) {
      const options = current.options as readonly z.ZodType[];
      const mapping = options.find((option) => option instanceof z.ZodObject);
      if (mapping === undefined) return current;
      current = mapping;
    } else {
      return current;
    }
  }
}

/** Keys the schema allows in the mapping at `path` (indexes step into list elements). */
function objectKeysAt(path: PlanPath): string[] {
  let schema: z.ZodType = planSchema;
  for (const segment of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodObject && typeof segment === "string") {
      const next = (schema.shape as Record<string, z.ZodType | undefined>)[segment];
      if (next === undefined) return [];
      schema = next;
    } else if (schema instanceof z.ZodArray && typeof segment === "number") {
      schema = schema.element as z.ZodType;
    } else {
      return [];
    }
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Every key the schema knows → where it is valid (`policy`, `waves[].servers[]`): for "belongs under". */
function keyHomes(): Map<string, string[]> {
  const homes = new Map<string, string[]>();
  const stack: { schema: z.ZodType; label: string }[] = [{ schema: planSchema, label: "" }];
  while (stack.length > 0) {
    const next = stack.pop();
    if (next === undefined) break;
    const schema = unwrap(next.schema);
    if (schema instanceof z.ZodArray) {
      stack.push({ schema: schema.element as z.ZodType, label: `${next.label}[]` });
    } else if (schema instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
        homes.set(key, [...(homes.get(key) ?? []), next.label || "the plan's top level"]);
        stack.push({ schema: child, label: next.label === "" ? key : `${next.label}.${key}` });
      }
    }
  }
  for (const list of homes.values()) list.sort();
  return homes;
}
