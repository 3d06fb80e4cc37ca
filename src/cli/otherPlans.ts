/**
 * Asks the daemon which sources of a plan other plans that have not ended also list, without
 * submitting it: `validate --online` and `plan --online` warn about them at the server's line. A
 * daemon that cannot be reached is only a note: the plan is still checked against SMC.
 */
import { readFile } from "node:fs/promises";
import type { PlanWarning } from "../orchestrator/views.ts";
import { ApiClient, ApiError } from "./apiClient.ts";

export async function sharedSourceLines(
  file: string,
  server: string | undefined,
): Promise<string[]> {
  const api = new ApiClient(server, process.env);
  try {
    const { warnings } = await api.json<{ warnings: PlanWarning[] }>(
      "POST",
      `/api/plans/check?file=${encodeURIComponent(file)}`,
      { text: await readFile(file, "utf8"), type: "text/yaml" },
    );
    return warnings.map((w) => `${file}:${w.line}:${w.col}: warning: ${w.message}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return [`note: other plans were not checked for shared sources: ${error.message}`];
  }
}
