import { checkPlanOnline } from "../plan/checkPlanOnline.ts";
import type { CompiledPlan } from "../plan/compiledPlan.ts";
import type { PlanProblem } from "../plan/planProblem.ts";
import { SmcClient } from "../smc/client.ts";
import { CredentialsError, resolveCredentials } from "../smc/credentials.ts";
import { classify, isSmcError, type SmcError } from "../smc/errors.ts";
import type { SourceServer } from "../smc/types.ts";
import { EXIT } from "./exitCodes.ts";

const DEFAULT_ENDPOINT = "https://smc.aliyuncs.com";

/** SMC could not be asked at all (no credentials, refused, unreachable): exit 2, with what to do. */
class OnlineCheckError extends Error {
  override readonly name = "OnlineCheckError";
  readonly exitCode = EXIT.refused;
}

/** Codes with which the service refuses who is calling rather than what is asked. */
const CREDENTIAL_CODES = new Set([
  "InvalidAccessKeyId.NotFound",
  "InvalidAccessKeyId.Inactive",
  "SignatureDoesNotMatch",
  "InvalidSecurityToken.Expired",
  "InvalidSecurityToken.MismatchWithAccessKey",
  "Forbidden.RAM",
  "Forbidden",
  "NoPermission",
]);

/**
 * `--online` for `validate` and `plan`: the plan's sources as the service has them, and the
 * problems found there, positioned in `file`. The endpoint is `SMC_WAVES_SMC_ENDPOINT` (default: the
 * real service), the credentials the standard Alibaba Cloud ones (environment, then profile file);
 * the daemon builds its clients from its config instead, and these commands stay usable without one.
 * Throws OnlineCheckError when the service cannot be asked at all.
 */
export async function onlineCheck(
  plan: CompiledPlan,
  file: string,
): Promise<{ sources: Map<string, SourceServer>; problems: PlanProblem[] }> {
  const endpoint = process.env.SMC_WAVES_SMC_ENDPOINT || DEFAULT_ENDPOINT;
  let client: SmcClient;
  try {
    const { credentials } = await resolveCredentials();
    client = new SmcClient({ credentials, regionId: plan.regionId, endpoint });
  } catch (error) {
    if (error instanceof CredentialsError) throw new OnlineCheckError(error.message);
    throw error;
  }
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
  } catch (error) {
    if (isSmcError(error)) throw new OnlineCheckError(explain(error, endpoint));
    throw error;
  } finally {
    client.close();
  }
}

function explain(error: SmcError, endpoint: string): string {
  const detail = `${error.code}: ${error.message}${error.requestId ? ` (RequestId ${error.requestId})` : ""}`;
  if (CREDENTIAL_CODES.has(error.code)) {
    return `cannot check online: the SMC endpoint ${endpoint} refused the credentials (${detail}); check ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (or the profile in ~/.alibabacloud/credentials)`;
  }
  if (classify(error) === "transient") {
    return `cannot check online: cannot reach the SMC endpoint ${endpoint} (${detail}); check SMC_WAVES_SMC_ENDPOINT and the network`;
  }
  return `cannot check online: the SMC endpoint ${endpoint} answered ${detail}`;
}
