import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Tests that spawn the CLI or the daemon run the compiled tree (dist/), built here when stale.
    globalSetup: ["test/support/buildCli.ts"],
    // Integration tests share one Redis and spawn emulators; two cores take two forks at most.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true" },
    // .ci/run reads the JSON report(s) for its tally; a second run (Node 24) names its own file.
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: process.env.CI_JSON_REPORT ?? ".ci/report.json" }]]
      : ["default"],
  },
});
