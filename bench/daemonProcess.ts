/**
 * The real `smc-waves daemon` in a child process, so its CPU time and peak memory are its own and
 * not the benchmark's (the emulator and the figures run in the parent). Linux: both are read from
 * /proc before the daemon is stopped.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../bin/smc-waves.js", import.meta.url));

/** CPU seconds (user + system) and peak resident memory of a process, from /proc. */
interface ProcessUsage {
  cpuSeconds: number;
  peakRssBytes: number;
}

export interface DaemonProcess {
  pid: number;
  /** Lines the daemon logged at warn or above, for the report. */
  warnings(): string[];
  /** Its usage now; undefined where /proc is missing (not Linux). */
  usage(): ProcessUsage | undefined;
  /** SIGTERM, then waits for the drain and exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node bin/smc-waves.js daemon` with `env` added to ours and resolves once it has logged
 * that it started. Rejects with its output if it exits first. `nodeArgs` go to node before the
 * script (the Docker image's heap flags); BENCH_DAEMON_NODE_ARGS adds to them.
 */
export async function startDaemonProcess(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<DaemonProcess> {
  // e.g. BENCH_DAEMON_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where its CPU goes.
  const args = [
    ...nodeArgs,
    ...(process.env.BENCH_DAEMON_NODE_ARGS ?? "").split(" ").filter(Boolean),
  ];
  const child = spawn(process.execPath, [...args, CLI, "daemon"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const warnings: string[] = [];
  const output: string[] = [];
  // BENCH_DAEMON_LOG_FILE keeps the daemon's whole log (with BENCH_DAEMON_LOG_LEVEL=debug, every poll).
  const logFile = process.env.BENCH_DAEMON_LOG_FILE
    ? createWriteStream(process.env.BENCH_DAEMON_LOG_FILE)
    : undefined;
  const started = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      logFile?.write(`${line}\n`);
      output.push(line);
      if (output.length > 50) output.shift();
      if (/"level":(40|50|60)\b/.test(line)) warnings.push(line);
      if (line.includes("smc-waves daemon started")) resolve();
    };
    lines(child, onLine);
    child.once("exit", (code) =>
      reject(new Error(`the daemon exited with ${code} before it started:\n${output.join("\n")}`)),
    );
  });
  await started;
  const pid = child.pid ?? 0;
  return {
    pid,
    warnings: () => [...warnings],
    usage: () => readUsage(pid),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => {
          logFile?.end();
          resolve(code);
        });
        child.kill("SIGTERM");
      }),
  };
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      for (const part of parts) onLine(part);
    });
  }
}

/** utime + stime (fields 14 and 15 of /proc/PID/stat, in clock ticks) and VmHWM (kB). */
function readUsage(pid: number): ProcessUsage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const hwmKb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
    return { cpuSeconds: ticks / clockTicksPerSecond(), peakRssBytes: hwmKb * 1024 };
  } catch {
    return undefined;
  }
}

function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return ticks > 0 ? ticks : 100;
  } catch {
    // 100 is the tick rate of every mainstream Linux build.
    return 100;
  }
}
