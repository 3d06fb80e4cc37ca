import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../bin/smc-waves.js", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** Output kept per child for diagnostics: the tail is what explains a failure. */
const MAX_OUTPUT_CHARS = 2_000_000;

/** The log line `smc-waves daemon` writes once its workers and API are up. */
const STARTED = "smc-waves daemon started";

/**
 * One `smc-waves daemon` child process: the real CLI, its own process, killed the hard way. Its
 * stdout and stderr are kept (up to ~2 MB) so a failed test can show what it did.
 */
export class DaemonProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | string>;
  #output = "";

  constructor(name: string, env: Readonly<Record<string, string>>) {
    this.name = name;
    this.#child = spawn(process.execPath, [CLI, "daemon"], {
      cwd: REPO,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      this.#output += chunk.toString("utf8");
      if (this.#output.length > MAX_OUTPUT_CHARS)
        this.#output = this.#output.slice(-MAX_OUTPUT_CHARS / 2);
    };
    this.#child.stdout?.on("data", keep);
    this.#child.stderr?.on("data", keep);
    this.#exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => resolve(signal ?? code ?? -1));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Everything the child wrote so far, stdout and stderr interleaved. */
  output(): string {
    return this.#output;
  }

  /** JSON log lines whose `event` field is `event` (the daemon logs at info). */
  countEvents(event: string): number {
    const needle = `"event":"${event}"`;
    return this.#output.split("\n").filter((line) => line.includes(needle)).length;
  }

  /** JSON log lines whose message (`msg`) starts with `message`. */
  logLines(message: string): Array<Record<string, unknown>> {
    const lines: Array<Record<string, unknown>> = [];
    for (const line of this.#output.split("\n")) {
      // Cheap test first; the last line may still be arriving, so it may not parse yet.
      if (!line.startsWith("{") || !line.includes(message)) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (typeof parsed.msg === "string" && parsed.msg.startsWith(message)) lines.push(parsed);
      } catch {
        // An incomplete line: seen again once it is whole.
      }
    }
    return lines;
  }

  /** Resolves once the daemon logged that it started; rejects with its output if it exits first. */
  async started(timeoutMs = 30_000): Promise<void> {
    await this.logged(STARTED, timeoutMs);
  }

  /** The API's base URL, once the daemon logged that it listens. */
  async apiUrl(timeoutMs = 30_000): Promise<string> {
    const [line] = await this.logged("HTTP API listening", timeoutMs);
    return String(line?.url);
  }

  /**
   * Resolves with the log lines starting with `message` once there are `count` of them; rejects
   * with the daemon's output if it exits first or `timeoutMs` passes.
   */
  async logged(
    message: string,
    timeoutMs = 30_000,
    count = 1,
  ): Promise<Array<Record<string, unknown>>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `${this.name} did not log "${message}" within ${timeoutMs} ms:\n${this.tail()}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        const lines = this.logLines(message);
        if (lines.length >= count) {
          finish();
          resolve(lines);
        }
      };
      const exited = () => {
        finish();
        reject(new Error(`${this.name} exited before it logged "${message}":\n${this.tail()}`));
      };
      const finish = () => {
        clearTimeout(timer);
        this.#child.stdout?.off("data", check);
        this.#child.off("exit", exited);
      };
      this.#child.stdout?.on("data", check);
      this.#child.once("exit", exited);
      check();
    });
  }

  /** `kill -9`: no drain, no cleanup, whatever it was doing stops mid-line. */
  async kill(): Promise<void> {
    if (this.running) this.#child.kill("SIGKILL");
    await this.#exited;
  }

  /** Resolves with the exit code (or signal) once the process has ended by itself. */
  exited(): Promise<number | string> {
    return this.#exited;
  }

  /** `kill -TERM`, as a supervisor stops a service: resolves with the exit code or signal. */
  async terminate(): Promise<number | string> {
    if (this.running) this.#child.kill("SIGTERM");
    return this.#exited;
  }

  /** The last lines of output, for an assertion message. */
  tail(lines = 40): string {
    return `--- ${this.name} (pid ${this.pid}) ---\n${this.#output.split("\n").slice(-lines).join("\n")}`;
  }
}

/**
 * Every daemon a test started, so `afterEach` can kill them all whatever happened: no child
 * survives a failed test.
 */
export class DaemonFleet {
  readonly #env: Readonly<Record<string, string>>;
  readonly #all: DaemonProcess[] = [];

  /** `env` is the daemons' whole environment (config by SMC_WAVES_* variables). */
  constructor(env: Readonly<Record<string, string>>) {
    this.#env = env;
  }

  /** Spawns one more daemon without waiting for it (it may be killed while it boots). */
  spawn(name = `daemon-${this.#all.length + 1}`): DaemonProcess {
    const daemon = new DaemonProcess(name, this.#env);
    this.#all.push(daemon);
    return daemon;
  }

  /** Spawns one more daemon and waits for it to start. */
  async start(name?: string): Promise<DaemonProcess> {
    const daemon = this.spawn(name);
    await daemon.started();
    return daemon;
  }

  get all(): readonly DaemonProcess[] {
    return this.#all;
  }

  get running(): DaemonProcess[] {
    return this.#all.filter((daemon) => daemon.running);
  }

  /** Sums an event's log lines over every daemon this fleet ever started. */
  countEvents(event: string): number {
    return this.#all.reduce((sum, daemon) => sum + daemon.countEvents(event), 0);
  }

  async killAll(): Promise<void> {
    await Promise.all(this.#all.map((daemon) => daemon.kill()));
  }

  /** The tails of every daemon's output, for a failure message. */
  diagnostics(lines = 20): string {
    return this.#all.map((daemon) => daemon.tail(lines)).join("\n");
  }
}

/**
 * The environment for daemons on `prefix` against the emulator at `endpoint`: the parent's
 * environment without any SMC_WAVES_* of its own, plus short intervals so crashes recover in
 * seconds. Each daemon's API listens on a port the system picks. Without `redisUrl`, `extra`
 * says where Redis is (a Sentinel set or a Cluster).
 */
export function daemonEnv(options: {
  redisUrl?: string;
  prefix: string;
  endpoint: string;
  credentials: { accessKeyId: string; accessKeySecret: string };
  quota: number;
  extra?: Record<string, string>;
}): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !entry[0].startsWith("SMC_WAVES_") &&
        !entry[0].startsWith("ALIBABA_CLOUD_"),
    ),
  );
  return {
    ...inherited,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
    ALIBABA_CLOUD_ACCESS_KEY_ID: options.credentials.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: options.credentials.accessKeySecret,
    ...(options.redisUrl ? { SMC_WAVES_REDIS_URL: options.redisUrl } : {}),
    SMC_WAVES_PREFIX: options.prefix,
    SMC_WAVES_SMC_ENDPOINT: options.endpoint,
    SMC_WAVES_QUOTA: String(options.quota),
    SMC_WAVES_HTTP_PORT: "0",
    SMC_WAVES_ORCHESTRATOR_POLL_INTERVAL: "100ms",
    SMC_WAVES_ORCHESTRATOR_RECONCILE_INTERVAL: "2s",
    SMC_WAVES_ORCHESTRATOR_LOCK_DURATION: "2s",
    SMC_WAVES_ORCHESTRATOR_STALLED_INTERVAL: "500ms",
    SMC_WAVES_ORCHESTRATOR_DRAIN_TIMEOUT: "2s",
    SMC_WAVES_LOG_LEVEL: "info",
    SMC_WAVES_LOG_PRETTY: "false",
    ...options.extra,
  };
}
