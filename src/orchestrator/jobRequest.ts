import type { JobSettings } from "../plan/compiledPlan.ts";
import type { CreateReplicationJobRequest } from "../smc/types.ts";

/** What the orchestrator adds to a server's settings to make one CreateReplicationJob call. */
export interface JobIdentity {
  regionId: string;
  sourceId: string;
  /** Our unique job name: it finds the job again after a crash. */
  name: string;
  clientToken: string;
  /** Used when the plan gives none. */
  description: string;
  /** Epoch ms; `validForMs` counts from here. */
  now: number;
}

/**
 * The CreateReplicationJob request for one server. The plan's `validTime: 30d` is relative; the
 * service wants a timestamp, so it is fixed at creation. The job name is always ours.
 */
export function createRequest(
  settings: JobSettings,
  identity: JobIdentity,
): CreateReplicationJobRequest {
  const { validForMs, ...parameters } = settings;
  return {
    ...parameters,
    description: parameters.description ?? identity.description,
    regionId: identity.regionId,
    sourceId: identity.sourceId,
    name: identity.name,
    clientToken: identity.clientToken,
    ...(validForMs === undefined ? {} : { validTime: serviceTimestamp(identity.now + validForMs) }),
  };
}

/** `yyyy-MM-ddTHH:mm:ssZ`, the service's timestamp format (no milliseconds). */
function serviceTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}
