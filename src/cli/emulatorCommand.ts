/**
 * `smc-waves emulator`: runs the SMC emulator in the foreground until SIGINT or SIGTERM.
 * Point any SMC client at the printed URL with the emulator's credentials.
 */
import { loadScenario } from "../emulator/sourceSpecSchema.ts";
import { type EmulatorOptions, startEmulator } from "../emulator/startEmulator.ts";
import { parseCommandArgs, UsageError, usageLine } from "./commandArgs.ts";
import { EXIT } from "./exitCodes.ts";

const HELP = `usage: smc-waves emulator [options]

Runs a local SMC (Server Migration Center, API 2019-06-01) emulator over HTTP.

options:
  --host HOST                 interface to bind (admin routes are unsigned)  [127.0.0.1]
  --port PORT                 TCP port (0 picks a free one)                  [8787]
  --sources N                 realistic sources to generate from the seed    [0]
  --scenario FILE             YAML or JSON file listing sources: { sources: [{ name, state?, systemDiskGiB?, dataDiskGiB?, ... }] }
  --quota N                   replication jobs that may exist at once        [100]
  --max-running N             replication jobs that may run at once          [no cap]
  --time-scale X              emulated seconds per real second (3600: an hour a second)  [1]
  --seed N                    seeds sources, ids, durations and faults       [1]
  --access-key-id ID          accepted AccessKeyId                           [emulator-id]
  --access-key-secret SECRET  its AccessKeySecret                            [emulator-secret]
  --bandwidth BYTES_PER_SEC   copy speed of a job's Syncing phase            [26214400 (25 MiB/s)]
  --internal-error-rate R     share of calls answering HTTP 500 InternalError/InternalServerError (0-1)  [0]
  --throttling-rate R         share of calls answering Throttling.User (0-1) [0]
  --latency-ms MS             real milliseconds added to every call          [0]
  --job-error-rate R          share of job runs dropping to InError with ErrorCode=InternalError (0-1)  [0]
  --unanswered-rate R         share of calls whose connection closes unanswered, half of them after
                              the action took effect; 1 is a whole outage (0-1)  [0]
  -h, --help                  this help

Admin routes (no signature): GET /_emulator/health, stats, timeline, faults, sources, jobs,
images[?jobId=J] (every image and whether a job pruned it), clock;
PUT /_emulator/faults; POST /_emulator/sources, sources/ID/state, clock, reset. See src/emulator/MODEL.md.`;

function number(
  flag: string,
  text: string | undefined,
  min: number,
  max: number,
  integer: boolean,
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (
    text.trim() === "" ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? "a whole number" : "a number";
    throw new UsageError(
      `--${flag} must be ${kind} from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

async function options(args: string[]): Promise<EmulatorOptions | "help"> {
  const { values, positionals } = parseCommandArgs("emulator", HELP, args, {
    host: { type: "string" },
    port: { type: "string" },
    sources: { type: "string" },
    scenario: { type: "string" },
    quota: { type: "string" },
    "max-running": { type: "string" },
    "time-scale": { type: "string" },
    seed: { type: "string" },
    "access-key-id": { type: "string" },
    "access-key-secret": { type: "string" },
    bandwidth: { type: "string" },
    "internal-error-rate": { type: "string" },
    "throttling-rate": { type: "string" },
    "latency-ms": { type: "string" },
    "job-error-rate": { type: "string" },
    "unanswered-rate": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return "help";
  if (positionals.length > 0) {
    throw new UsageError(
      `takes no arguments, got ${positionals.join(" ")}\n${usageLine("emulator", HELP)}`,
    );
  }
  const faults = {
    internalErrorRate: number("internal-error-rate", values["internal-error-rate"], 0, 1, false),
    throttlingRate: number("throttling-rate", values["throttling-rate"], 0, 1, false),
    latencyMs: number("latency-ms", values["latency-ms"], 0, 60_000, true),
    jobErrorRate: number("job-error-rate", values["job-error-rate"], 0, 1, false),
    unansweredRate: number("unanswered-rate", values["unanswered-rate"], 0, 1, false),
  };
  let sourceList: EmulatorOptions["sourceList"];
  if (values.scenario !== undefined) {
    try {
      sourceList = await loadScenario(values.scenario);
    } catch (error) {
      throw new UsageError(`--scenario ${(error as Error).message}`);
    }
  }
  const accessKeyId = values["access-key-id"];
  const accessKeySecret = values["access-key-secret"];
  if (accessKeyId === "") throw new UsageError("--access-key-id must not be empty");
  if (accessKeySecret === "") throw new UsageError("--access-key-secret must not be empty");
  return {
    host: values.host ?? "127.0.0.1",
    port: number("port", values.port, 0, 65_535, true) ?? 8787,
    sources: number("sources", values.sources, 0, 100_000, true) ?? 0,
    sourceList,
    quota: number("quota", values.quota, 0, 1_000_000, true) ?? 100,
    maxRunningJobs: number("max-running", values["max-running"], 1, 1_000_000, true),
    timeScale: number("time-scale", values["time-scale"], 0.001, 10_000_000, false) ?? 1,
    seed: number("seed", values.seed, 0, 2 ** 32 - 1, true) ?? 1,
    accessKeyId,
    accessKeySecret,
    bandwidthBytesPerSecond: number("bandwidth", values.bandwidth, 1, 1e12, false),
    faults: Object.fromEntries(Object.entries(faults).filter(([, value]) => value !== undefined)),
  };
}

export async function run(args: string[]): Promise<number> {
  const parsed = await options(args);
  if (parsed === "help") {
    console.log(HELP);
    return EXIT.ok;
  }
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emulator = await startEmulator(parsed);
  } catch (error) {
    console.error(`smc-waves emulator: could not start: ${(error as Error).message}`);
    return EXIT.refused;
  }
  const sources = (parsed.sources ?? 0) + (parsed.sourceList?.length ?? 0);
  if (!["127.0.0.1", "::1", "localhost"].includes(parsed.host ?? "")) {
    console.error(
      `warning: the admin routes under /_emulator/ need no signature and ${parsed.host} is not loopback`,
    );
  }
  console.log(`SMC emulator listening on ${emulator.url}`);
  console.log(
    `  AccessKeyId ${emulator.credentials.accessKeyId}` +
      `${parsed.accessKeySecret === undefined ? " (AccessKeySecret emulator-secret)" : ""}` +
      `, ${sources} sources, quota ${parsed.quota}, time scale ${parsed.timeScale}, seed ${parsed.seed}`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await emulator.close();
  console.log("SMC emulator stopped");
  return EXIT.ok;
}
