import type { ForecastRequest } from "../forecast/forecastModel.ts";

/** Sampled runs a caller may ask for at most: enough for steady quantiles, bounded in CPU. */
const MOST_SAMPLES = 1000;

class BadForecastQuery extends Error {
  readonly statusCode = 400;
}

/** `?seed=N&samples=N&gatesApprovedAt=ISO` of the forecast routes, or a 400 saying what is wrong. */
export function forecastQuery(query: Record<string, string | undefined>): ForecastRequest {
  const request: ForecastRequest = {};
  if (query.seed !== undefined) {
    const seed = Number(query.seed);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new BadForecastQuery(
        `seed must be an integer from 0 to 4294967295, got "${query.seed}"`,
      );
    request.seed = seed;
  }
  if (query.samples !== undefined) {
    const samples = Number(query.samples);
    if (!Number.isInteger(samples) || samples < 1 || samples > MOST_SAMPLES)
      throw new BadForecastQuery(
        `samples must be an integer from 1 to ${MOST_SAMPLES}, got "${query.samples}"`,
      );
    request.samples = samples;
  }
  if (query.gatesApprovedAt !== undefined) {
    const at = Date.parse(query.gatesApprovedAt);
    if (!Number.isFinite(at))
      throw new BadForecastQuery(
        `gatesApprovedAt must be an ISO 8601 time such as 2026-12-01T08:00:00Z, got "${query.gatesApprovedAt}"`,
      );
    request.gatesApprovedAt = at;
  }
  return request;
}
