import type { CompiledPlan } from "./compiledPlan.ts";
import { compilePlan } from "./compilePlan.ts";
import { parsePlanDocument } from "./planDocument.ts";
import { type Finding, type PlanProblem, pathToString } from "./planProblem.ts";
import { planRules } from "./planRules.ts";
import { planSchema } from "./planSchema.ts";
import { findingsFromIssues } from "./schemaIssues.ts";

export interface ValidatePlanOptions {
  /** Name shown in every problem, usually the path the plan was read from. */
  file: string;
  /** Epoch ms the plan is judged at (`scheduledStartTime` in the future, windows open from now). */
  now: number;
}

export interface PlanValidation {
  /** Present exactly when `problems` is empty. */
  plan?: CompiledPlan;
  /** Every problem found, in file order. */
  problems: PlanProblem[];
  /** What runs but may surprise (incremental servers waiting for a person, slots held in groups). */
  warnings: PlanProblem[];
}

/**
 * A generated 10,000-server plan with one mistake copied everywhere would print tens of thousands
 * of lines; past this many, the rest are counted, not listed.
 */
export const MAX_REPORTED_PROBLEMS = 1000;

/**
 * YAML text → compiled plan, in stages: YAML with positions (refusing hostile input), the schema
 * (types, ranges, unknown keys), rules across keys, then compilation. Never throws on bad input.
 */
export function validatePlanText(text: string, options: ValidatePlanOptions): PlanValidation {
  const { file, now } = options;
  const document = parsePlanDocument(text);
  if (document.data === undefined || document.problems.length > 0) {
    return {
      problems: document.problems.map(({ line, col, path, message }) => ({
        file,
        line,
        col,
        path: pathToString(path),
        message,
      })),
      warnings: [],
    };
  }
  const data = document.data;
  const parsed = planSchema.safeParse(data);
  const findings: Finding[] = parsed.success ? [] : findingsFromIssues(parsed.error.issues, data);
  findings.push(...planRules(data, { now, locate: (path) => document.locate(path) }));

  const seen = new Set<string>();
  const problems: PlanProblem[] = [];
  const warnings: PlanProblem[] = [];
  for (const finding of findings) {
    const { line, col } = document.locate(finding.path, finding.at);
    const identity = `${line}:${col}:${finding.message}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    const problem = { file, line, col, path: pathToString(finding.path), message: finding.message };
    (finding.severity === "warning" ? warnings : problems).push(problem);
  }
  const inFileOrder = (a: PlanProblem, b: PlanProblem) => a.line - b.line || a.col - b.col;
  problems.sort(inFileOrder);
  warnings.sort(inFileOrder);
  if (problems.length > MAX_REPORTED_PROBLEMS) {
    const rest = problems.length - (MAX_REPORTED_PROBLEMS - 1);
    const last = problems[MAX_REPORTED_PROBLEMS - 1];
    problems.length = MAX_REPORTED_PROBLEMS - 1;
    problems.push({
      file,
      line: last?.line ?? 1,
      col: last?.col ?? 1,
      path: "",
      message: `…and ${rest} more problems`,
    });
  }
  if (problems.length > 0 || !parsed.success) return { problems, warnings };
  return { plan: compilePlan(parsed.data, (path) => document.locate(path)), problems, warnings };
}
