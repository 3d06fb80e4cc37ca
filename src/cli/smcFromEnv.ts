import { SmcClient } from "../smc/client.ts";
import { resolveCredentials } from "../smc/credentials.ts";

/**
 * The SMC client `validate --online` and `plan --online` use: `SMC_WAVES_SMC_ENDPOINT` (default: the
 * real service) and the standard Alibaba Cloud credentials (environment, then profile file). The
 * daemon builds its clients from its config instead; these commands stay usable without one.
 */
export async function smcClientFromEnv(regionId: string): Promise<SmcClient> {
  const { credentials } = await resolveCredentials();
  const endpoint = process.env.SMC_WAVES_SMC_ENDPOINT;
  return new SmcClient({ credentials, regionId, ...(endpoint ? { endpoint } : {}) });
}
