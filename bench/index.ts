/**
 * `npm run bench`: runs every benchmark module in sequence; each prints its own figures. A module
 * exports `run(): Promise<void>`; add yours to the list.
 */
type Benchmark = { run(): Promise<void> };

const benchmarks: { name: string; load: () => Promise<Benchmark> }[] = [
  { name: "plan validation", load: () => import("./planValidation.ts") },
  { name: "orchestrator makespan", load: () => import("./orchestratorMakespan.ts") },
  { name: "forecast error", load: () => import("./forecastError.ts") },
  { name: "timeline and live ETA reads", load: () => import("./timelineReads.ts") },
  { name: "scale", load: () => import("./scale.ts") },
  { name: "production ratio", load: () => import("./productionRatio.ts") },
];

/** `npm run bench -- makespan` runs only the benchmarks whose name contains a given word. */
const only = process.argv.slice(2);

for (const { name, load } of benchmarks) {
  if (only.length > 0 && !only.some((word) => name.includes(word))) continue;
  console.log(`\n== ${name}`);
  await (await load()).run();
}
