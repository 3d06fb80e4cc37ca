/**
 * How long `validatePlanText` takes on a generated 10,000-server plan (goal: under a second).
 * Prints figures; asserts nothing.
 */
import { validatePlanText } from "../src/plan/validatePlanText.ts";

const WAVES = 100;
const SERVERS_PER_WAVE = 100;
const RUNS = 5;

/** A plan as an operator's generator script would write it: per-server overrides on some servers. */
export function generatePlan(waves: number, serversPerWave: number): string {
  const lines = [
    "name: dc1-to-hangzhou",
    "regionId: cn-hangzhou",
    "defaults:",
    "  systemDiskSize: 80",
    "  netMode: 2",
    "  vSwitchId: vsw-bp1ddbrxdlrcbim460000",
    "  replicationParameters: { bandwidth_limit: 0, compress_level: 1, checksum: true }",
    "  tags: { project: dc1 }",
    "  validTime: 30d",
    "policy:",
    "  maxJobs: 100",
    "waves:",
  ];
  for (let wave = 0; wave < waves; wave += 1) {
    lines.push(`  - name: wave-${wave + 1}`);
    lines.push(`    window: { cron: "0 22 * * 1-5", duration: 8h, timezone: Asia/Shanghai }`);
    lines.push(`    defaults: { tags: { wave: w${wave + 1} } }`);
    lines.push("    servers:");
    for (let server = 0; server < serversPerWave; server += 1) {
      const n = wave * serversPerWave + server;
      if (n % 3 === 0) {
        lines.push(`      - sourceId: s-${n.toString(36).padStart(20, "0")}`);
      } else {
        lines.push(`      - name: host-${n}`);
      }
      if (n % 4 === 0) lines.push(`        systemDiskSize: ${100 + (n % 400)}`);
      if (n % 5 === 0)
        lines.push("        dataDisks: [{ index: 1, size: 500 }, { index: 2, size: 1000 }]");
      if (n % 7 === 0) lines.push(`        tags: { app: app-${n % 50} }`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export async function run(): Promise<void> {
  const text = generatePlan(WAVES, SERVERS_PER_WAVE);
  const now = Date.parse("2026-11-20T00:00:00Z");
  const timings: number[] = [];
  const cpuTimings: number[] = [];
  let servers = 0;
  let problems = 0;
  for (let round = 0; round < RUNS; round += 1) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const result = validatePlanText(text, { file: "bench.yaml", now });
    const cpu = process.cpuUsage(cpuStarted);
    timings.push(performance.now() - started);
    // CPU time, because on a shared machine wall time also counts other processes' turns.
    cpuTimings.push((cpu.user + cpu.system) / 1000);
    servers = result.plan?.waves.reduce((sum, wave) => sum + wave.servers.length, 0) ?? 0;
    problems = result.problems.length;
  }
  const sorted = [...timings].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(
    `plan validation: ${servers} servers in ${WAVES} waves, ${(text.length / 1024).toFixed(0)} KiB of YAML, ${problems} problems`,
  );
  const cpuMedian = [...cpuTimings].sort((a, b) => a - b)[Math.floor(RUNS / 2)] ?? 0;
  console.log(
    `  wall: first run ${timings[0]?.toFixed(0)} ms, median of ${RUNS} ${median.toFixed(0)} ms, best ${sorted[0]?.toFixed(0)} ms (goal < 1000 ms)`,
  );
  console.log(`  cpu: median ${cpuMedian.toFixed(0)} ms per validation`);
}
