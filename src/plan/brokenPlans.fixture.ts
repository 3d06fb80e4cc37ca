/**
 * Realistic mistakes in wave plans, each with every problem the validator must report for it
 * (`line:col: message`), judged at NOW. Used by the table test and as the fuzz test's seeds.
 */
import { BROKEN_CUTOVERS } from "./brokenCutovers.fixture.ts";
import { BROKEN_JOB_SETTINGS } from "./brokenJobSettings.fixture.ts";
import { BROKEN_KEYS_AND_YAML } from "./brokenKeysAndYaml.fixture.ts";
import { BROKEN_SOURCES_AND_DISKS } from "./brokenSourcesAndDisks.fixture.ts";
import type { BrokenPlan } from "./planFixture.ts";

export const BROKEN_PLANS: BrokenPlan[] = [
  ...BROKEN_SOURCES_AND_DISKS,
  ...BROKEN_JOB_SETTINGS,
  ...BROKEN_KEYS_AND_YAML,
  ...BROKEN_CUTOVERS,
];
