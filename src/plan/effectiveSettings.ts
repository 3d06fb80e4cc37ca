import type { PlanPath } from "./planProblem.ts";
import { JOB_SETTING_KEYS } from "./planSchema.ts";

/** A mapping from parsed YAML, or undefined when the value is anything else. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** One settings mapping (plan `defaults`, a wave's `defaults`, a server) and where it sits. */
export interface SettingsLayer {
  path: PlanPath;
  value: Record<string, unknown> | undefined;
}

/** A setting's effective value and the most specific place that set it (where a fix goes). */
export interface EffectiveSetting {
  value: unknown;
  path: PlanPath;
}

/** Keys whose mappings merge key by key down the layers; every other key replaces. */
const MERGED_KEYS: ReadonlySet<string> = new Set(["tags", "replicationParameters"]);

/**
 * The settings a server ends up with, layer by layer from the plan's `defaults` to the server.
 * Works on unvalidated data (so rules can run beside schema errors); for merged mappings the path
 * is the most specific layer that contributed. `base` is a result for the layers above (shared by
 * a wave's servers), extended here without being changed.
 */
export function effectiveSettings(
  layers: readonly SettingsLayer[],
  base?: ReadonlyMap<string, EffectiveSetting>,
): Map<string, EffectiveSetting> {
  const result = new Map(base);
  for (const layer of layers) {
    if (layer.value === undefined) continue;
    // A server layer holds a handful of keys among many: walk its keys, not the whole catalogue.
    for (const key of Object.keys(layer.value)) {
      if (!SETTING_KEYS.has(key)) continue;
      const value = layer.value[key];
      const path = [...layer.path, key];
      const previous = asRecord(result.get(key)?.value);
      const own = asRecord(value);
      result.set(
        key,
        MERGED_KEYS.has(key) && previous !== undefined && own !== undefined
          ? { value: { ...previous, ...own }, path }
          : { value, path },
      );
    }
  }
  return result;
}

const SETTING_KEYS: ReadonlySet<string> = new Set(JOB_SETTING_KEYS);
