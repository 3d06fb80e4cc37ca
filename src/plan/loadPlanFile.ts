import { readFile, stat } from "node:fs/promises";
import { MAX_PLAN_BYTES } from "./planDocument.ts";
import { type PlanValidation, validatePlanText } from "./validatePlanText.ts";

/**
 * Reads and validates the plan at `path` (shown as given in problems); `now` is epoch ms. A file
 * that cannot be read is one problem, not an exception.
 */
export async function loadPlanFile(path: string, now: number): Promise<PlanValidation> {
  const problem = (message: string): PlanValidation => ({
    problems: [{ file: path, line: 1, col: 1, path: "", message }],
    warnings: [],
  });
  try {
    const info = await stat(path);
    if (!info.isFile()) return problem("Not a file: give the path of a plan's YAML file");
    // Checked before reading, so a mistaken path to a disk image does not fill memory.
    if (info.size > MAX_PLAN_BYTES) {
      return problem(
        `The file is ${(info.size / 1024 / 1024).toFixed(1)} MiB; a plan may be at most ${MAX_PLAN_BYTES / 1024 / 1024} MiB`,
      );
    }
    return validatePlanText(await readFile(path, "utf8"), { file: path, now });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return problem(
      code === "ENOENT"
        ? "No such file"
        : `Cannot read the plan: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
