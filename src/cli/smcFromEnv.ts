import { checkPlanOnline } from "../plan/checkPlanOnline.ts";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import type { PlanProblem } from "../plan/planProblem.ts";
import { SmcClient } from "../smc/client.ts";
import { resolveCredentials } from "../smc/credentials.ts";
import type { SourceServer } from "../smc/types.ts";

/**
 * The SMC client `validate --online` and `plan --online` use: `SMC_WAVES_SMC_ENDPOINT` (default: the
 * real service) and the standard Alibaba Cloud credentials (environment, then profile file). The
 * daemon builds its clients from its config instead; these commands stay usable without one.
 */
async function smcClientFromEnv(regionId: string): Promise<SmcClient> {
  const { credentials } = await resolveCredentials();
  const endpoint = process.env.SMC_WAVES_SMC_ENDPOINT;
  return new SmcClient({ credentials, regionId, ...(endpoint ? { endpoint } : {}) });
}

/**
 * `--online` for `validate` and `plan`: the plan's sources as the service has them, and the
 * problems found there, positioned in `file`. Rejects when the service cannot be asked at all.
 */
export async function onlineCheck(
  plan: CompiledPlan,
  file: string,
): Promise<{ sources: Map<string, SourceServer>; problems: PlanProblem[] }> {
  const client = await smcClientFromEnv(plan.regionId);
  try {
    const online = await checkPlanOnline(plan, client);
    const problems = online.problems.map((problem) => ({
      file,
      line: problem.at?.line ?? 1,
      col: problem.at?.col ?? 1,
      path: problem.path,
      message: problem.message,
    }));
    return { sources: online.sources, problems };
  } finally {
    client.close();
  }
}
